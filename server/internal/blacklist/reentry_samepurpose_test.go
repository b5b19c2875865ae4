package blacklist_test

import (
	"slices"
	"testing"
)

// Erika Testfrau is known by two records, one phone shared: her private address on one, her
// work address on the other, both with the newsletter granted. She objects to all advertising
// (blacklistContact). Months later she signs up for the newsletter herself with her private
// address and confirms from that mailbox. She said yes again with that address: her work
// record's newsletter grant, older than her objection, does not revive with it, as grants of
// her other purposes do not.
func TestReentryDoesNotReviveTheSamePurposeOnHerOtherRecord(t *testing.T) {
	p := newPerson(t)
	p.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "calls", name: "Sales calls", legalBasis: CONSENT}) { id } }`, nil)
	private := p.subscriber(t, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
		"emails": []string{"erika.testfrau@example.org"}, "phones": []string{"030 5557001"}})
	work := p.subscriber(t, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
		"emails": []string{"e.testfrau@firma.example"}, "phones": []string{"+49 30 5557001"}})
	p.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { recordConsent(input: {contactId: $c, purposeKey: "calls", source: "phone"}) { id } }`,
		map[string]any{"c": work})
	if ids, _ := p.recipients(t); len(ids) != 2 {
		t.Fatalf("recipients before her objection = %v, want both records", ids)
	}
	p.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { blacklistContact(contactId: $c, reason: "objection to all advertising, letter") { id } }`,
		map[string]any{"c": private})
	if ids, _ := p.recipients(t); len(ids) != 0 {
		t.Fatalf("recipients after her objection = %v, want none", ids)
	}

	p.confirmedSignUp(t, "Erika.Testfrau@example.org")
	ids, _ := p.recipients(t)
	if !slices.Contains(ids, private) || slices.Contains(ids, work) {
		t.Errorf("recipients after she confirmed her private address again = %v; want her private record %s only, not her work record %s "+
			"(its newsletter grant is older than her objection)", ids, private, work)
	}
	var c struct {
		Contact struct {
			Consents []struct {
				Purpose struct{ Key string }
				Status  string
			}
		}
	}
	p.MustAdmin(t, &c, `query($id: ID!) { contact(id: $id) { consents { purpose { key } status } } }`, map[string]any{"id": work})
	for _, g := range c.Contact.Consents {
		if g.Status == "GRANTED" {
			t.Errorf("her work record's %s consent is %s after her re-entry; want REVOKED (older than her objection)", g.Purpose.Key, g.Status)
		}
	}
}
