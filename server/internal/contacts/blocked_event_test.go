package contacts_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/apptest/gqlws"
)

// A record on the newsletter becomes blocked by a write of its own — staff give it, with an
// override, the phone the person objected with; staff merge into another subscribed record
// the record that holds that phone — and newsletter software holding its id must stop, as when
// a new entry covers it: the revocations feed (and the webhooks it feeds) gets CONTACT_BLOCKED
// for it, naming the entry. Before, recipients left it out and no one was told.
func TestARecordBlockedByItsOwnUpdateOrMergeIsAnnounced(t *testing.T) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news", name: "News", purposeKey: "newsletter"}) { id } }`, nil)
	subscribe := func(email string) string {
		id := create(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau", "emails": []string{email}})
		s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { addToList(contactId: $c, listKey: "news") { id } }`, map[string]any{"c": id})
		s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { recordConsent(input: {contactId: $c, purposeKey: "newsletter", source: "web form", evidence: "form v3"}) { id } }`,
			map[string]any{"c": id})
		return id
	}
	marketing := subscribe("erika.testfrau@example.test")
	sales := subscribe("e.testfrau@firma.example.test")
	var entry struct{ BlacklistAdd struct{ ID string } }
	s.MustAdmin(t, &entry, `mutation { blacklistAdd(candidate: {phones: ["+49 30 1234567"]}, reason: "Widerspruch am Telefon") { id } }`, nil)

	ws, err := gqlws.Dial(t.Context(), s.WSURL(), apptest.AdminToken, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if err := ws.Subscribe(t.Context(), "1", `subscription($after: String) { revocations(after: $after) { kind contactId mergedId } }`,
		map[string]any{"after": s.Cursor(t)}); err != nil {
		t.Fatal(err)
	}
	next := func() (kind, contactID string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		m, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("revocations subscription: %v", err)
		}
		var feed struct {
			Data struct {
				Revocations struct{ Kind, ContactID string }
			}
		}
		if err := json.Unmarshal(m.Payload, &feed); err != nil {
			t.Fatalf("subscription message %s: %v", m.Payload, err)
		}
		return feed.Data.Revocations.Kind, feed.Data.Revocations.ContactID
	}

	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { updateContact(id: $id, input: {phones: ["030/123 45-67"]}, override: {reason: "ihre Nummer laut Brief"}) { contact { id } } }`,
		map[string]any{"id": marketing})
	if kind, id := next(); kind != "CONTACT_BLOCKED" || id != marketing {
		t.Fatalf("after updateContact gave marketing's record the objected phone: feed got %s of %s, want CONTACT_BLOCKED of %s", kind, id, marketing)
	}
	s.MustAdmin(t, &struct{}{}, mergeContacts, map[string]any{"into": sales, "from": []string{marketing}, "reason": "dieselbe Person, zwei Abteilungen"})
	got := map[string]string{}
	for range 2 {
		kind, id := next()
		got[kind] = id
	}
	if got["CONTACT_BLOCKED"] != sales || got["CONTACT_MERGED"] != sales {
		t.Errorf("after merging the blocked record into sales': feed got %v, want CONTACT_MERGED and CONTACT_BLOCKED of %s", got, sales)
	}
	var n int
	if err := s.Conn(t).QueryRow(context.Background(), `SELECT count(*) FROM events WHERE kind = 'CONTACT_BLOCKED' AND ref = $1`, entry.BlacklistAdd.ID).Scan(&n); err != nil || n != 2 {
		t.Errorf("CONTACT_BLOCKED events naming the entry: %d (%v), want 2", n, err)
	}
}
