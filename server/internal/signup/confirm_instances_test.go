package signup_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// Erika clicks the confirm button twice (a double click, or the mail opened on two devices)
// and the load balancer sends the POSTs to two instances at once — for two sign-ups of hers,
// to two lists, in two spellings of one address. One contact is created, on both lists, with
// one grant and one audited confirmation per sign-up; one POST of each link confirms, the
// other says it was confirmed already.
func TestConfirmLinksPostedTwiceOnTwoInstancesAtOnceConfirmOnce(t *testing.T) {
	a := newFixture(t)
	b := fixture{Server: apptest.StartOn(t, a.DBURL), shop: a.shop}
	a.must(t, `mutation { createList(input: {key: "news-en", name: "Newsletter English", purposeKey: "newsletter"}) { id } }`, nil)
	s1 := a.mustSignUp(t, "erika.testfrau@example.org")
	s2, res := a.signUp(t, map[string]any{"email": "Erika.Testfrau+en@example.org", "purposeKey": "newsletter", "listKey": "news-en", "source": "web-form"})
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	onB := func(link string) string { return b.URL + link[strings.Index(link, "/confirm/"):] }
	links := []string{s1.ConfirmURL, onB(s1.ConfirmURL), s2.ConfirmURL, onB(s2.ConfirmURL)}
	codes := make([]int, len(links))
	bodies := make([]string, len(links))
	var wg sync.WaitGroup
	for i, l := range links {
		wg.Add(1)
		go func() { defer wg.Done(); codes[i], bodies[i] = page(t, http.MethodPost, l, "en", confirmForm) }()
	}
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Errorf("POST %d: %d", i, c)
		}
	}
	var contacts, grants, audits, members int
	if err := a.App.DB.Pool.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM contacts), (SELECT count(*) FROM consent_events WHERE status = 'GRANTED'),
		(SELECT count(*) FROM audit_log WHERE operation = 'confirmSignUp'), (SELECT count(*) FROM list_members)`).Scan(&contacts, &grants, &audits, &members); err != nil {
		t.Fatal(err)
	}
	if contacts != 1 || grants != 2 || audits != 2 || members != 2 {
		t.Errorf("contacts %d grants %d audits %d members %d", contacts, grants, audits, members)
	}
	for i := 0; i < len(links); i += 2 {
		done := strings.Count(bodies[i]+bodies[i+1], "your sign-up is confirmed")
		already := strings.Count(bodies[i]+bodies[i+1], "confirmed already")
		if done != 1 || already != 1 {
			t.Errorf("the two POSTs of link %d: %d confirmed, %d already confirmed; want one each", i/2, done, already)
		}
	}
}
