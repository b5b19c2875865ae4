package signup_test

import (
	"net/http"
	"testing"
	"time"
)

// A grant of sales calls on her other record dated at the very instant of her objection (the
// blacklist entry's creation) does not outlast it when her own confirmed newsletter sign-up ends
// the entry (consent.RevokeObjectedGrants asks consent.GrantUndoes: a revocation wins a tie):
// that record gets the revocation dated when she objected and stays off the sales calls.
func TestReentryRevokesAGrantOfTheObjectionsInstant(t *testing.T) {
	f := newFixture(t)
	f.must(t, `mutation { createList(input: {key: "calls", name: "Anrufaktion", purposeKey: "sales-calls"}) { id } }`, nil)
	var c struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	f.MustAdmin(t, &c, `mutation { createContact(input: {givenName: "Erika", familyName: "Testfrau", emails: ["erika.testfrau@example.org"], phones: ["+49 30 5557002"]}) { contact { id } } }`, nil)
	erika := c.CreateContact.Contact.ID
	f.MustAdmin(t, &c, `mutation { createContact(input: {givenName: "E.", familyName: "Testfrau", emails: ["e.t@firma.example"], phones: ["030 5557002"]}) { contact { id } } }`, nil)
	sales := c.CreateContact.Contact.ID
	f.must(t, `mutation($c: ID!) { addToList(contactId: $c, listKey: "calls") { id } }`, map[string]any{"c": sales})
	var entry struct{ BlacklistContact struct{ CreatedAt time.Time } }
	f.MustAdmin(t, &entry, `mutation($c: ID!) { blacklistContact(contactId: $c, reason: "objection to all advertising (Art. 21), letter") { createdAt } }`,
		map[string]any{"c": erika})
	// typed in from her paper form, dated at the instant of her objection (recordConsent would
	// refuse it on a blocked record: written as an accepted import row would write it)
	if _, err := f.Conn(t).Exec(t.Context(), `INSERT INTO consent_events (contact_id, purpose_id, status, given_at, source, evidence, recorded_by, recorded_by_token)
		SELECT $1, id, 'GRANTED', $2, 'paper form', 'form no. 12', 'Test Staff', 'token-1' FROM purposes WHERE key = 'sales-calls'`,
		sales, entry.BlacklistContact.CreatedAt); err != nil {
		t.Fatal(err)
	}

	s := f.mustSignUp(t, "erika.testfrau@example.org")
	if code, _ := page(t, http.MethodPost, s.ConfirmURL, "de", confirmForm); code != http.StatusOK {
		t.Fatalf("POST: %d", code)
	}
	var out struct {
		Contact struct {
			Blocked  bool
			Consents []struct {
				Status  string
				Purpose struct{ Key string }
			}
		}
	}
	f.MustAdmin(t, &out, `query($id: ID!) { contact(id: $id) { blocked consents { status purpose { key } } } }`, map[string]any{"id": sales})
	if out.Contact.Blocked || len(out.Contact.Consents) != 1 || out.Contact.Consents[0].Status != "REVOKED" {
		t.Errorf("sales' record after her re-entry: %+v; want unblocked, its sales-calls grant of the objection's instant REVOKED", out.Contact)
	}
}
