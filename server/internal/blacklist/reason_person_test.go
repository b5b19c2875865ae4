package blacklist_test

import (
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// A reason is kept in the audit trail and on the blacklist, which hold no personal data, so
// every way a reason about a person comes in refuses one that quotes her
// (REASON_HAS_PERSONAL_DATA) — her, not only the value being blocked or entered: Erika
// Testfrau's record holds her e-mail and her phone; a reason quoting her phone or her name is
// refused where the e-mail alone is blocked or entered again, where her name and address are
// imported, and where her entry ends. Before, each
// way compared the reason with what was typed only (blacklistAdd, an override, an import row's
// decision) or not at all (blacklistRemove).
func TestEveryReasonAboutAPersonIsCheckedAgainstAllHerIdentifiers(t *testing.T) {
	s := apptest.Start(t)
	const email, phone = "post.et1970@example.test", "+49 30 5557123"
	var c struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	s.MustAdmin(t, &c, `mutation($in: ContactInput!) { createContact(input: $in) { contact { id } } }`, map[string]any{"in": map[string]any{
		"givenName": "Erika", "familyName": "Testfrau", "emails": []string{email}, "phones": []string{phone},
		"address": map[string]any{"street": "Lindenstraße 12", "postalCode": "10115", "city": "Teststadt"}}})
	erika := c.CreateContact.Contact.ID
	var b struct{ BlacklistContact struct{ ID string } }
	s.MustAdmin(t, &b, `mutation($id: ID!) { blacklistContact(contactId: $id, reason: "objection by letter") { id } }`, map[string]any{"id": erika})
	objection := b.BlacklistContact.ID

	refused := func(t *testing.T, way string, res *apptest.Result, field string) {
		t.Helper()
		if len(res.Errors) != 1 || res.Errors[0].Extensions["reason"] != "REASON_HAS_PERSONAL_DATA" || res.Errors[0].Field() != field {
			t.Errorf("%s: errors %+v, want REASON_HAS_PERSONAL_DATA at %s", way, res.Errors, field)
		}
	}
	t.Run("decideImportRow of a row with her name and address, the reason quoting her e-mail", func(t *testing.T) {
		var started struct{ StartImport struct{ ID string } }
		apptest.Upload(t, s.URL, apptest.AdminToken, `mutation($file: Upload!) { startImport(file: $file) { id } }`, nil,
			"messe.csv", []byte("Vorname;Nachname;Straße;PLZ;Ort\r\nErika;Testfrau;Lindenstr. 12;10115;Teststadt\r\n")).Decode(t, &started)
		job := started.StartImport.ID
		if status := s.AwaitImport(t, job); status != "NEEDS_DECISION" {
			t.Fatalf("import: %s, want NEEDS_DECISION", status)
		}
		res := s.Admin(t, `mutation($job: ID!, $r: String) { decideImportRow(jobId: $job, line: 2, accept: true, reason: $r) { id } }`,
			map[string]any{"job": job, "r": "she agreed by e-mail, " + email})
		refused(t, "decideImportRow", res, "reason")
	})
	t.Run("blacklistAdd of her e-mail, the reason naming her", func(t *testing.T) {
		res := s.Admin(t, `mutation($c: ContactInput!, $r: String!) { blacklistAdd(candidate: $c, reason: $r) { id } }`,
			map[string]any{"c": map[string]any{"emails": []string{email}}, "r": "Erika Testfrau asked again"})
		refused(t, "blacklistAdd", res, "reason")
	})
	t.Run("blacklistAdd of her e-mail, the reason quoting her phone", func(t *testing.T) {
		res := s.Admin(t, `mutation($c: ContactInput!, $r: String!) { blacklistAdd(candidate: $c, reason: $r) { id } }`,
			map[string]any{"c": map[string]any{"emails": []string{email}}, "r": "she called from 030 5557123"})
		refused(t, "blacklistAdd", res, "reason")
	})
	t.Run("createContact of her e-mail with an override quoting her phone", func(t *testing.T) {
		res := s.Admin(t, `mutation($in: ContactInput!, $o: OverrideInput) { createContact(input: $in, override: $o) { contact { id } } }`,
			map[string]any{"in": map[string]any{"givenName": "E.", "familyName": "Test", "emails": []string{email}},
				"o": map[string]any{"reason": "confirmed by phone, 030 5557123"}})
		refused(t, "createContact", res, "override.reason")
	})
	t.Run("updateContact of another record to her e-mail with an override naming her", func(t *testing.T) {
		var o struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		s.MustAdmin(t, &o, `mutation($in: ContactInput!) { createContact(input: $in) { contact { id } } }`, map[string]any{"in": map[string]any{
			"givenName": "E.", "familyName": "Test"}})
		res := s.Admin(t, `mutation($id: ID!, $in: ContactInput!, $o: OverrideInput) { updateContact(id: $id, input: $in, override: $o) { contact { id } } }`,
			map[string]any{"id": o.CreateContact.Contact.ID, "in": map[string]any{"emails": []string{email}},
				"o": map[string]any{"reason": "this is Erika Testfrau, she wants mail again"}})
		refused(t, "updateContact", res, "override.reason")
	})
	t.Run("blacklistRemove of her objection, the reason naming her", func(t *testing.T) {
		res := s.Admin(t, `mutation($id: ID!, $r: String!) { blacklistRemove(id: $id, reason: $r) { id } }`,
			map[string]any{"id": objection, "r": "Erika Testfrau withdrew her objection"})
		refused(t, "blacklistRemove", res, "reason")
	})
	t.Run("blacklistRemove of an erased person's entry, the reason quoting her e-mail", func(t *testing.T) {
		var o struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		s.MustAdmin(t, &o, `mutation($in: ContactInput!) { createContact(input: $in) { contact { id } } }`, map[string]any{"in": map[string]any{
			"givenName": "Hans", "familyName": "Testmann", "emails": []string{"hans.testmann@example.test"}}})
		var e struct {
			EraseContact struct{ BlacklistEntry struct{ ID string } }
		}
		s.MustAdmin(t, &e, `mutation($id: ID!) { eraseContact(id: $id, reason: "as asked") { blacklistEntry { id } } }`,
			map[string]any{"id": o.CreateContact.Contact.ID})
		res := s.Admin(t, `mutation($id: ID!, $r: String!) { blacklistRemove(id: $id, reason: $r) { id } }`,
			map[string]any{"id": e.EraseContact.BlacklistEntry.ID, "r": "hans.testmann@example.test was erased by mistake"})
		refused(t, "blacklistRemove", res, "reason")
	})
}

// A merge's reason is kept in the audit trail too, and the merged records are not all of her:
// her third record, which shares her phone with the survivor and is not merged, is hers as
// well, and a reason quoting its e-mail is refused. Before, the reason was compared with the
// merged records only.
func TestAMergeReasonIsCheckedAgainstHerRecordsNotMerged(t *testing.T) {
	s := apptest.Start(t)
	create := func(in map[string]any) string {
		var c struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		s.MustAdmin(t, &c, `mutation($in: ContactInput!) { createContact(input: $in) { contact { id } } }`, map[string]any{"in": in})
		return c.CreateContact.Contact.ID
	}
	into := create(map[string]any{"givenName": "Erika", "familyName": "Testfrau", "emails": []string{"post.et1970@example.test"}, "phones": []string{"+49 30 5557124"}})
	from := create(map[string]any{"givenName": "Erika", "familyName": "Testfrau", "emails": []string{"post.et1970@example.test"}})
	create(map[string]any{"givenName": "E.", "familyName": "Kundentest", "emails": []string{"kasse.et71@example.test"}, "phones": []string{"030 5557124"}})
	res := s.Admin(t, `mutation($into: ID!, $from: [ID!]!, $r: String!) { mergeContacts(intoId: $into, fromIds: $from, reason: $r) { id } }`,
		map[string]any{"into": into, "from": []string{from}, "r": "same person as kasse.et71@example.test at the till"})
	if len(res.Errors) != 1 || res.Errors[0].Extensions["reason"] != "REASON_HAS_PERSONAL_DATA" || res.Errors[0].Field() != "reason" {
		t.Errorf("mergeContacts: errors %+v, want REASON_HAS_PERSONAL_DATA at reason", res.Errors)
	}
}
