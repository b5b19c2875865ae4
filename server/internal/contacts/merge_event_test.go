package contacts_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/apptest/gqlws"
)

// A merge is news for whoever holds the merged-away id: the admin's feed gets CONTACT_MERGED
// (contactId the survivor, mergedId the merged record), and so does newsletter software by
// webhook, which drops the merged-away id and then holds exactly the recipients Vermerk has.
func TestMergeContactsAnnouncesTheMergedID(t *testing.T) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news", name: "News", purposeKey: "newsletter"}) { id } }`, nil)
	subscribe := func(in map[string]any) string {
		id := create(t, s, in)
		s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { addToList(contactId: $c, listKey: "news") { id } }`, map[string]any{"c": id})
		s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { recordConsent(input: {contactId: $c, purposeKey: "newsletter", source: "web form"}) { id } }`,
			map[string]any{"c": id})
		return id
	}
	sales := subscribe(map[string]any{"givenName": "Erika", "familyName": "Mustermann", "emails": []string{"erika.mustermann@example.org"}})
	marketing := subscribe(map[string]any{"givenName": "Erika", "familyName": "Mustermann", "emails": []string{"erika@example.com"}})
	other := subscribe(map[string]any{"givenName": "Max", "familyName": "Muster", "emails": []string{"max.muster@example.org"}})

	// The newsletter software: an integrator token for its recipients, a webhook for the news.
	var tok struct {
		CreateAPIToken struct{ Secret string } `json:"createApiToken"`
	}
	s.MustAdmin(t, &tok, `mutation { createApiToken(name: "newsletter", role: INTEGRATOR, purposeKeys: ["newsletter"]) { secret } }`, nil)
	recipients := func() []string {
		var out struct {
			Recipients struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		res := s.Do(t, tok.CreateAPIToken.Secret, `{ recipients(listKey: "news") { edges { node { id } } } }`, nil)
		res.Decode(t, &out)
		var ids []string
		for _, e := range out.Recipients.Edges {
			ids = append(ids, e.Node.ID)
		}
		slices.Sort(ids)
		return ids
	}
	held := recipients()
	if want := sorted(sales, marketing, other); !slices.Equal(held, want) {
		t.Fatalf("recipients before = %v, want %v", held, want)
	}
	hook := make(chan []byte, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		hook <- b
	}))
	t.Cleanup(srv.Close)
	s.MustAdmin(t, &struct{}{}, `mutation($u: String!) { createWebhook(input: {url: $u, kinds: [CONTACT_MERGED], secret: "whsec-0123456789abcdef"}) { id } }`,
		map[string]any{"u": srv.URL + "/hooks/vermerk"})

	ws, err := gqlws.Dial(t.Context(), s.WSURL(), apptest.AdminToken, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if err := ws.Subscribe(t.Context(), "1", `subscription($after: String) { revocations(after: $after) { kind contactId mergedId channel } }`,
		map[string]any{"after": s.Cursor(t)}); err != nil {
		t.Fatal(err)
	}

	s.MustAdmin(t, &struct{}{}, mergeContacts, map[string]any{"into": sales, "from": []string{marketing}, "reason": "same person, two departments"})

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	m, err := ws.Read(ctx)
	if err != nil {
		t.Fatalf("revocations subscription: %v", err)
	}
	var feed struct {
		Data struct {
			Revocations struct {
				Kind, ContactID, Channel string
				MergedID                 *string
			}
		}
	}
	if err := json.Unmarshal(m.Payload, &feed); err != nil {
		t.Fatalf("subscription message %s %s: %v", m.Type, m.Payload, err)
	}
	if ev := feed.Data.Revocations; ev.Kind != "CONTACT_MERGED" || ev.ContactID != sales || ev.MergedID == nil || *ev.MergedID != marketing || ev.Channel != "staff" {
		t.Errorf("subscriber got %s, want CONTACT_MERGED of %s into %s by staff", m.Payload, marketing, sales)
	}

	select {
	case body := <-hook:
		var p struct {
			Kind, ContactID, MergedID string
			PurposeKey                *string
		}
		if err := json.Unmarshal(body, &p); err != nil || p.Kind != "CONTACT_MERGED" || p.ContactID != sales || p.MergedID != marketing || p.PurposeKey != nil {
			t.Fatalf("webhook got %s, want CONTACT_MERGED of %s into %s", body, marketing, sales)
		}
		if strings.Contains(strings.ToLower(string(body)), "erika") {
			t.Errorf("webhook payload names the person: %s", body)
		}
		held = slices.DeleteFunc(held, func(id string) bool { return id == p.MergedID })
	case <-time.After(30 * time.Second):
		t.Fatal("webhook got no CONTACT_MERGED within 30 s")
	}
	if now := recipients(); !slices.Equal(held, now) {
		t.Errorf("newsletter software holds %v after dropping the merged id, Vermerk's recipients are %v", held, now)
	}
}

func sorted(ids ...string) []string { slices.Sort(ids); return ids }
