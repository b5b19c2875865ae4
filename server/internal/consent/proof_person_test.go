package consent_test

import (
	"slices"
	"testing"
	"time"
)

// consentProof is the person's ledger, not one record's: Erika Testfrau is known by marketing's
// record and by sales' (her e-mail spelled otherwise); asked through either id, the proof holds
// the events of both, oldest first, each naming the record it is on. Someone else's record,
// and its events, stay out.
func TestConsentProofIsTheLedgerOfEveryRecordOfThePerson(t *testing.T) {
	f := newFixture(t)
	mk := func(given, email string) string {
		var out struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		f.MustAdmin(t, &out, `mutation($g: String!, $e: String!) { createContact(input: {givenName: $g, familyName: "Testfrau", emails: [$e]}) { contact { id } } }`,
			map[string]any{"g": given, "e": email})
		return out.CreateContact.Contact.ID
	}
	marketing := mk("Erika", "erika.testfrau@example.org")
	sales := mk("E.", "Erika.Testfrau+shop@example.org")
	other := mk("Max", "max.testmann@example.org")
	f.grant(t, marketing, "newsletter", "web form", "double opt-in")
	f.grant(t, sales, "sales-calls", "phone", "call of 2026-11-02")
	f.grant(t, other, "newsletter", "fair", nil)
	f.revoke(t, marketing, "newsletter", "letter") // on sales' record too, which holds no newsletter grant

	type event struct {
		At             time.Time
		Status, Source string
		ContactID      string
		Purpose        struct{ Key string }
	}
	proof := func(id string) []event {
		t.Helper()
		var out struct{ ConsentProof []event }
		f.MustAdmin(t, &out, `query($id: ID!) { consentProof(contactId: $id) { at status source contactId purpose { key } } }`,
			map[string]any{"id": id})
		return out.ConsentProof
	}
	type row struct{ contactID, purpose, status string }
	want := []row{
		{marketing, "newsletter", "GRANTED"},
		{sales, "sales-calls", "GRANTED"},
		{marketing, "newsletter", "REVOKED"},
		{sales, "newsletter", "REVOKED"},
	}
	for name, id := range map[string]string{"marketing's record": marketing, "sales' record": sales} {
		events := proof(id)
		var got []row
		for _, e := range events {
			got = append(got, row{e.ContactID, e.Purpose.Key, e.Status})
		}
		if !slices.Equal(got, want) {
			t.Errorf("consentProof(%s) = %v, want the events of all her records %v", name, got, want)
		}
		if !slices.IsSortedFunc(events, func(a, b event) int { return a.At.Compare(b.At) }) {
			t.Errorf("consentProof(%s) is not oldest first: %+v", name, events)
		}
	}
	if got := proof(other); len(got) != 1 || got[0].ContactID != other {
		t.Errorf("consentProof of someone else = %+v, want only his own grant", got)
	}
}
