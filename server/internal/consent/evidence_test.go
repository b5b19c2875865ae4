package consent_test

import (
	"testing"
	"time"
)

// Her "no" was recorded with where it came from; a "yes" after it must be as provable. A grant
// without evidence after she revoked the purpose — on this record or on another of hers — is
// refused on input.evidence and records nothing; with evidence it is recorded; one dated
// before her "no" needs none (it changes nothing). Someone who never revoked needs none.
func TestAConsentAfterHerNoNeedsEvidence(t *testing.T) {
	f := newFixture(t)
	erika := f.contact(t, "Erika", "Mustermann")
	var other struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	// sales' record of her: her e-mail in another spelling
	f.MustAdmin(t, &other, `mutation($in: ContactInput!) { createContact(input: $in) { contact { id } } }`,
		map[string]any{"in": map[string]any{"givenName": "E.", "familyName": "Mustermann", "emails": []string{"Erika.Mustermann+shop@example.org"}}})
	sales := other.CreateContact.Contact.ID
	max := f.contact(t, "Max", "Beispiel")
	f.grant(t, erika, "newsletter", "web form", "double opt-in 2026-11-02")
	f.grant(t, max, "newsletter", "fair", nil)
	f.revoke(t, erika, "newsletter", "phone")

	refused := func(name, contactID string, in map[string]any) {
		t.Helper()
		in["contactId"], in["purposeKey"], in["source"] = contactID, "newsletter", "phone"
		res := f.Admin(t, `mutation($in: ConsentInput!) { recordConsent(input: $in) { status } }`, map[string]any{"in": in})
		if len(res.Errors) != 1 || res.Errors[0].Code() != "BAD_USER_INPUT" || res.Errors[0].Field() != "input.evidence" ||
			res.Errors[0].Extensions["reason"] != "EVIDENCE_AFTER_REVOCATION" {
			t.Errorf("%s: errors %+v, want BAD_USER_INPUT EVIDENCE_AFTER_REVOCATION on input.evidence", name, res.Errors)
		}
	}
	refused("her record, no evidence", erika, map[string]any{})
	refused("her record, blank evidence", erika, map[string]any{"evidence": "  "})
	refused("sales' record of her", sales, map[string]any{})
	if got := f.recipients(t, "news-de"); len(got) != 0 {
		t.Errorf("recipients after the refused grants: %v, want none", got)
	}
	var proof struct{ ConsentProof []struct{ Status string } }
	f.MustAdmin(t, &proof, `query($id: ID!) { consentProof(contactId: $id) { status } }`, map[string]any{"id": erika})
	// her person's ledger: her grant, her revocation, and the revocation it gave sales' record of her
	if n := len(proof.ConsentProof); n != 3 {
		t.Errorf("her ledger holds %d events after the refused grants, want her grant, her revocation and its copy on sales' record", n)
	}

	before := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	res := f.Admin(t, `mutation($in: ConsentInput!) { recordConsent(input: $in) { status } }`, map[string]any{"in": map[string]any{
		"contactId": erika, "purposeKey": "newsletter", "source": "letter", "givenAt": before}})
	if len(res.Errors) != 0 {
		t.Errorf("a grant dated before her no: %+v, want it recorded (it changes nothing)", res.Errors)
	}
	if c := f.grant(t, sales, "newsletter", "phone", "her call of 2026-12-01, ticket 4711"); c.Status != "GRANTED" {
		t.Errorf("a grant with evidence after her no: %s, want GRANTED", c.Status)
	}
	if c := f.grant(t, max, "newsletter", "fair", nil); c.Status != "GRANTED" {
		t.Errorf("Max, who never said no, without evidence: %s, want GRANTED", c.Status)
	}
}
