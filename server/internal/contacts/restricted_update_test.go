package contacts_test

import (
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// Erika Testfrau objected (blacklistContact of her record); her record stays, blocked. Staff
// then write her new address on it, from her letter. Sales enters her later with that
// address: the record is hers (it shares her e-mail with her blocked record), so it is blocked
// with her and no newsletter reaches it, whatever its consents say.
func TestARecordSharingTheNewAddressOfAnObjectedRecordIsBlocked(t *testing.T) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news", name: "News", purposeKey: "newsletter"}) { id } }`, nil)
	marketing := create(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau", "emails": []string{"erika.testfrau@example.test"}})
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { blacklistContact(contactId: $id, reason: "Widerspruch gegen Werbung, Brief") { id } }`,
		map[string]any{"id": marketing})
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { updateContact(id: $id, input: {emails: ["erika.testfrau@example.test", "erika.neu@example.test"]},
		override: {reason: "neue Adresse aus ihrem Brief"}) { contact { id } } }`, map[string]any{"id": marketing})

	var p payload
	s.MustAdmin(t, &p, createContact, map[string]any{"in": map[string]any{"givenName": "E.", "familyName": "Testfrau", "emails": []string{"Erika.Neu+shop@example.test"}}})
	if p.CreateContact.Contact == nil {
		return // refused by the screening: she is recognised as the person who objected
	}
	sales := p.CreateContact.Contact.ID
	s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { addToList(contactId: $c, listKey: "news") { id } }`, map[string]any{"c": sales})
	res := s.Admin(t, `mutation($c: ID!) { recordConsent(input: {contactId: $c, purposeKey: "newsletter", source: "web form", evidence: "form v3"}) { id } }`,
		map[string]any{"c": sales})
	var c struct{ Contact struct{ Blocked bool } }
	s.MustAdmin(t, &c, `query($id: ID!) { contact(id: $id) { blocked } }`, map[string]any{"id": sales})
	var r struct {
		Recipients struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	s.MustAdmin(t, &r, `{ recipients(listKey: "news") { edges { node { id } } } }`, nil)
	if !c.Contact.Blocked || len(r.Recipients.Edges) != 0 {
		t.Errorf("sales' record with the new address of her objected record: blocked %v, recordConsent errors %v, recipients %+v; want it blocked and no recipient",
			c.Contact.Blocked, res.ErrorCodes(), r.Recipients.Edges)
	}
}

// The same through a merge: her objected record takes over the address of a record merged into
// it; a third record holding that address is hers and blocked with her.
func TestARecordSharingAnAddressMergedIntoAnObjectedRecordIsBlocked(t *testing.T) {
	s := apptest.Start(t)
	marketing := create(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau", "emails": []string{"erika.testfrau@example.test"}})
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { blacklistContact(contactId: $id, reason: "Widerspruch gegen Werbung, Brief") { id } }`,
		map[string]any{"id": marketing})
	shop := create(t, s, map[string]any{"givenName": "E.", "familyName": "Testfrau", "emails": []string{"e.testfrau@firma.example.test"}})
	sales := create(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau", "emails": []string{"E.Testfrau+crm@firma.example.test"}})
	s.MustAdmin(t, &struct{}{}, mergeContacts, map[string]any{"into": marketing, "from": []string{shop}, "reason": "dieselbe Person, Dienstadresse"})
	var c struct{ Contact struct{ Blocked bool } }
	s.MustAdmin(t, &c, `query($id: ID!) { contact(id: $id) { blocked } }`, map[string]any{"id": sales})
	if !c.Contact.Blocked {
		t.Errorf("sales' record holding the work address merged into her objected record is not blocked")
	}
}
