package unsubscribe_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// Erika Testfrau was entered six times, her address spelled six ways, each record on the
// newsletter. She clicks "unsubscribe" in four of the newsletters at once (her mail provider
// sends the one-click POSTs together, to both instances behind the load balancer) while staff
// and the newsletter tool record the "no" she also phoned in, through the two other records.
// Each of them revokes every record of hers: each must wait its turn, not deadlock on the
// records the others locked first. Every POST answers 200, every revokeConsent succeeds, and
// she is no recipient.
func TestHerNoThroughEveryRecordAtOnceTakesEffect(t *testing.T) {
	f := newFixture(t)
	second := apptest.StartOn(t, f.DBURL)
	var tok struct{ CreateApiToken struct{ Secret string } }
	f.MustAdmin(t, &tok, `mutation { createApiToken(name: "newsletter tool", role: INTEGRATOR, purposeKeys: ["newsletter"]) { secret } }`, nil)
	tool := tok.CreateApiToken.Secret

	spellings := []string{"erika.testfrau@example.org", "Erika.Testfrau+a@example.org", "ERIKA.TESTFRAU+b@example.org",
		"erika.testfrau+c@Example.org", "Erika.Testfrau+d@EXAMPLE.org", "erika.testfrau+e@example.org"}
	var ids []string
	for _, e := range spellings {
		var out struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		f.MustAdmin(t, &out, `mutation($e: String!) { createContact(input: {givenName: "Erika", familyName: "Testfrau", emails: [$e]}) { contact { id } } }`,
			map[string]any{"e": e})
		id := out.CreateContact.Contact.ID
		f.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { addToList(contactId: $c, listKey: "news-de") { id } }`, map[string]any{"c": id})
		f.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { recordConsent(input: {contactId: $c, purposeKey: "newsletter", source: "web form"}) { id } }`,
			map[string]any{"c": id})
		ids = append(ids, id)
	}
	instances := []*apptest.Server{f.Server, second}
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		mu    sync.Mutex
		fails []string
	)
	failed := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fails = append(fails, strings.TrimSpace(strings.ReplaceAll(fmt.Sprintf(format, args...), "\n", " ")))
	}
	for i, id := range ids {
		s := instances[i%2]
		wg.Add(1)
		switch i {
		case 4, 5: // by phone: staff on one instance, the newsletter tool on the other
			token := apptest.AdminToken
			if i == 5 {
				token = tool
			}
			go func() {
				defer wg.Done()
				<-start
				res := s.Do(t, token, `mutation($c: ID!) { revokeConsent(input: {contactId: $c, purposeKey: "newsletter", channel: "phone"}) { status } }`,
					map[string]any{"c": id})
				if len(res.Errors) > 0 {
					failed("revokeConsent on record %d: %+v", i, res.Errors)
				}
			}()
		default:
			link := f.link(t, id)
			link = s.URL + link[strings.Index(link, "/unsubscribe/"):]
			go func() {
				defer wg.Done()
				<-start
				if a := postForm(t, link, oneClick); a.Status != http.StatusOK {
					failed("one-click POST of record %d's link: %d", i, a.Status)
				}
			}()
		}
	}
	close(start)
	wg.Wait()
	for _, m := range fails {
		t.Error(m)
	}
	for i, s := range instances {
		var rec struct {
			Recipients struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		s.MustAdmin(t, &rec, `{ recipients(listKey: "news-de") { edges { node { id } } } }`, nil)
		if len(rec.Recipients.Edges) != 0 {
			t.Errorf("instance %d: recipients after her no through every record = %+v, want none", i+1, rec.Recipients.Edges)
		}
	}
}

// While she clicks "unsubscribe" in three of her newsletters (both instances), staff edit her
// three other records (a new organisation on each). An edit locks its record before it
// reads her person, so it must take its turn with her "no" in the same order: every POST
// answers 200, every edit is saved, and she is no recipient.
func TestHerNoWhileStaffEditHerRecordsTakesEffect(t *testing.T) {
	f := newFixture(t)
	second := apptest.StartOn(t, f.DBURL)
	var ids []string
	for _, e := range []string{"erika.testfrau@example.org", "Erika.Testfrau+a@example.org", "ERIKA.TESTFRAU+b@example.org",
		"erika.testfrau+c@Example.org", "Erika.Testfrau+d@EXAMPLE.org", "erika.testfrau+e@example.org"} {
		var out struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		f.MustAdmin(t, &out, `mutation($e: String!) { createContact(input: {givenName: "Erika", familyName: "Testfrau", emails: [$e]}) { contact { id } } }`,
			map[string]any{"e": e})
		id := out.CreateContact.Contact.ID
		f.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { addToList(contactId: $c, listKey: "news-de") { id } }`, map[string]any{"c": id})
		f.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { recordConsent(input: {contactId: $c, purposeKey: "newsletter", source: "web form"}) { id } }`,
			map[string]any{"c": id})
		ids = append(ids, id)
	}
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		fails = make([]string, len(ids))
	)
	for i, id := range ids {
		s := []*apptest.Server{f.Server, second}[i%2]
		wg.Add(1)
		if i%2 == 0 {
			go func() {
				defer wg.Done()
				<-start
				r := s.Admin(t, `mutation($c: ID!, $o: String!) { updateContact(id: $c, input: {organization: $o}) { contact { id } } }`,
					map[string]any{"c": id, "o": fmt.Sprintf("Firma %d", i)})
				if len(r.Errors) > 0 {
					fails[i] = fmt.Sprintf("updateContact of record %d: %+v", i, r.Errors)
				}
			}()
			continue
		}
		link := f.link(t, id)
		link = s.URL + link[strings.Index(link, "/unsubscribe/"):]
		go func() {
			defer wg.Done()
			<-start
			if a := postForm(t, link, oneClick); a.Status != http.StatusOK {
				fails[i] = fmt.Sprintf("one-click POST of record %d's link: %d", i, a.Status)
			}
		}()
	}
	close(start)
	wg.Wait()
	for _, m := range fails {
		if m != "" {
			t.Error(m)
		}
	}
	if r := f.recipients(t); len(r) != 0 {
		t.Errorf("recipients after her no while staff edited her records: %d, want none", len(r))
	}
}
