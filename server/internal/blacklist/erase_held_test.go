package blacklist_test

import (
	"context"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// Rows an import holds because they matched her objection are hers even when the e-mail they
// hold is no longer on her record (staff took it off after she objected): her erasure drops
// them, where it used to look only for the e-mails and phones still on her records, and left
// her name and old address in the import for staff to accept. A held row of Hans, who is kept
// as someone else (he shares her phone, so her objection blocked him too), stays.
func TestErasureDropsTheRowsHeldAgainstHerObjection(t *testing.T) {
	s := apptest.Start(t)
	ctx := context.Background()
	create := func(in map[string]any) string {
		var out struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		s.MustAdmin(t, &out, `mutation($in: ContactInput!, $o: OverrideInput) { createContact(input: $in, override: $o) { contact { id } } }`,
			map[string]any{"in": in, "o": map[string]any{"reason": "checked by phone"}})
		if out.CreateContact.Contact.ID == "" {
			t.Fatalf("createContact %v wrote nothing", in["familyName"])
		}
		return out.CreateContact.Contact.ID
	}
	update := func(id string, in map[string]any) {
		var out struct {
			UpdateContact struct{ Contact *struct{ ID string } }
		}
		s.MustAdmin(t, &out, `mutation($id: ID!, $in: ContactInput!) { updateContact(id: $id, input: $in, override: {reason: "address given up"}) { contact { id } } }`,
			map[string]any{"id": id, "in": in})
		if out.UpdateContact.Contact == nil {
			t.Fatalf("updateContact %v wrote nothing", in["familyName"])
		}
	}
	erika := map[string]any{"givenName": "Erika", "familyName": "Testfrau", "phones": []string{"+49 30 5557001"},
		"emails": []string{"erika.testfrau@example.org", "e.testfrau@example.net"}}
	hans := map[string]any{"givenName": "Hans", "familyName": "Testmann", "phones": []string{"+49 30 5557001"},
		"emails": []string{"hans.testmann@example.org"}}
	erikaID, hansID := create(erika), create(hans)
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { blacklistContact(contactId: $id, reason: "objection by letter") { id } }`,
		map[string]any{"id": erikaID})
	erika["emails"] = []string{"erika.testfrau@example.org"}
	update(erikaID, erika)
	hans["emails"] = []string{}
	update(hansID, hans)
	file := "Vorname;Nachname;E-Mail;Telefon\r\nErika;T.;E.Testfrau@example.net;\r\nHans;Testmann;hans.testmann@example.org;\r\n"
	if status := s.Import(t, "messe.csv", []byte(file)); status != "NEEDS_DECISION" {
		t.Fatalf("import: %s, want NEEDS_DECISION", status)
	}
	hans["emails"] = []string{"hans.testmann@example.org"}
	update(hansID, hans)

	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!, $keep: [ID!]) { eraseContact(id: $id, reason: "as asked", keep: $keep) { contactId } }`,
		map[string]any{"id": erikaID, "keep": []string{hansID}})
	rows, err := s.Conn(t).Query(ctx, `SELECT line FROM import_held ORDER BY line`)
	if err != nil {
		t.Fatal(err)
	}
	var lines []int
	for rows.Next() {
		var l int
		if err := rows.Scan(&l); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, l)
	}
	if len(lines) != 1 || lines[0] != 3 {
		t.Errorf("held rows left after her erasure: lines %v, want Hans's line 3 only (hers, line 2, dropped)", lines)
	}
}

// Her objection was said without keep, so it blocked Hans with her: he shares her phone. When
// she is erased with Hans kept as someone else, he is freed of it, as blacklistContact's keep
// would have left him out: he gets mail again by his own e-mail, while her e-mail and the
// phone they shared stay blocked. He stayed blocked by her old entry until an admin ended it.
func TestErasureWithKeepFreesTheKeptRecordOfHerObjection(t *testing.T) {
	s := apptest.Start(t)
	create := func(given, family, email string) string {
		var out struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		s.MustAdmin(t, &out, `mutation($in: ContactInput!) { createContact(input: $in) { contact { id } } }`,
			map[string]any{"in": map[string]any{"givenName": given, "familyName": family, "emails": []string{email}, "phones": []string{"+49 30 5557001"}}})
		return out.CreateContact.Contact.ID
	}
	erika := create("Erika", "Testfrau", "erika.testfrau@example.org")
	hans := create("Hans", "Testmann", "hans.testmann@example.org")
	blocked := func(id string) bool {
		var out struct{ Contact struct{ Blocked bool } }
		s.MustAdmin(t, &out, `query($id: ID!) { contact(id: $id) { blocked } }`, map[string]any{"id": id})
		return out.Contact.Blocked
	}
	screened := func(email, phone string) bool {
		var out struct{ Screen struct{ Blocked bool } }
		in := map[string]any{"givenName": "Neu", "familyName": "Kontakt", "emails": []string{}, "phones": []string{}}
		if email != "" {
			in["emails"] = []string{email}
		}
		if phone != "" {
			in["phones"] = []string{phone}
		}
		s.MustAdmin(t, &out, `query($in: ContactInput!) { screen(candidate: $in) { blocked } }`, map[string]any{"in": in})
		return out.Screen.Blocked
	}
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { blacklistContact(contactId: $id, reason: "objection by letter") { id } }`,
		map[string]any{"id": erika})
	if !blocked(hans) {
		t.Fatal("Hans is not blocked by her objection; the test needs him blocked with her")
	}
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!, $keep: [ID!]) { eraseContact(id: $id, reason: "as asked", keep: $keep) { contactId } }`,
		map[string]any{"id": erika, "keep": []string{hans}})
	if blocked(hans) {
		t.Error("after her erasure with Hans kept, Hans is still blocked by her objection")
	}
	if screened("hans.testmann@example.org", "") {
		t.Error("Hans's own e-mail still screens as blocked")
	}
	if !screened("erika.testfrau@example.org", "") || !screened("", "+49 30 5557001") {
		t.Error("her e-mail or the phone she shared no longer screens as blocked")
	}
}
