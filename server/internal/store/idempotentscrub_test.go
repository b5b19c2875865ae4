package store_test

import (
	"strings"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// A blacklist entry's reason quoting a record that became the person's later is scrubbed
// (store.ScrubEntryReasons); an answer kept for an Idempotency-Key that showed the reason goes
// with it — the answer of the blacklisting itself (the reason without the entry's id) and a
// refused save's screening (the entry with its id) — and sending them again hears that they
// were carried out, not the number.
func TestAKeptAnswerGoesWithTheScrubbedReasonItQuotes(t *testing.T) {
	s := apptest.Start(t)
	create := func(in map[string]any) string {
		t.Helper()
		var c struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		s.MustAdmin(t, &c, `mutation($in: ContactInput!) { createContact(input: $in) { contact { id } } }`, map[string]any{"in": in})
		return c.CreateContact.Contact.ID
	}
	erika := create(map[string]any{"givenName": "Erika", "familyName": "Schrubbfrau", "emails": []string{"erika.schrubb@example.test"}})
	other := create(map[string]any{"givenName": "E.", "familyName": "Schrubbkundin", "phones": []string{"+49 30 5557462"}})

	const blacklisting = `mutation($id: ID!) { blacklistContact(contactId: $id, reason: "objection by phone; she called from 030 5557462") { reason } }`
	first := post(t, s, apptest.AdminToken, "objection-kept", blacklisting, map[string]any{"id": erika})
	if !strings.Contains(string(first.body), "5557462") {
		t.Fatalf("blacklistContact: %s; want its reason", first.body)
	}
	const saving = `mutation($in: ContactInput!) { createContact(input: $in) { contact { id } screening { matches { entry { id reason } } } } }`
	refused := map[string]any{"in": map[string]any{"givenName": "Erika", "familyName": "Schrubbfrau", "emails": []string{"erika.schrubb@example.test"}}}
	if a := post(t, s, apptest.AdminToken, "save-refused", saving, refused); !strings.Contains(string(a.body), "5557462") {
		t.Fatalf("createContact of her e-mail: %s; want refused, showing the entry's reason", a.body)
	}
	if n := keptQuoting(t, s, "5557462"); n != 2 {
		t.Fatalf("kept answers showing the reason: %d, want 2", n)
	}

	s.MustAdmin(t, &struct{}{}, `mutation($into: ID!, $from: [ID!]!) { mergeContacts(intoId: $into, fromIds: $from, reason: "one customer") { id } }`,
		map[string]any{"into": erika, "from": []string{other}})
	if n := keptQuoting(t, s, "5557462"); n != 0 {
		t.Errorf("the reason scrubbed after the record with the number joined her: %d kept answers still show it, want none", n)
	}
	for key, again := range map[string]answer{
		"objection-kept": post(t, s, apptest.AdminToken, "objection-kept", blacklisting, map[string]any{"id": erika}),
		"save-refused":   post(t, s, apptest.AdminToken, "save-refused", saving, refused),
	} {
		if strings.Contains(string(again.body), "5557462") {
			t.Errorf("%s sent again after the reason was scrubbed shows it: %s", key, again.body)
		}
		if reason, _ := reasonOf(t, again); reason != "ALREADY_CARRIED_OUT" {
			t.Errorf("%s sent again after the reason was scrubbed: %s, want ALREADY_CARRIED_OUT", key, again.body)
		}
	}
}
