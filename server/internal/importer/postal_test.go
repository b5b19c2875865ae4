package importer_test

import (
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// enterAndErasePostalOnly enters Jörg Weißbäcker, known by his postal address only (no e-mail,
// no phone), erases him on request and returns the id of his blacklist entry.
func enterAndErasePostalOnly(t *testing.T, s *apptest.Server) string {
	t.Helper()
	var joerg struct {
		CreateContact struct{ Contact *struct{ ID string } }
	}
	s.MustAdmin(t, &joerg, `mutation { createContact(input: {givenName: "Jörg", familyName: "Weißbäcker",
		address: {street: "Lindenstraße 12", postalCode: "10115", city: "Berlin"}}) { contact { id } } }`, nil)
	if joerg.CreateContact.Contact == nil {
		t.Fatalf("Jörg was not written: %+v", joerg)
	}
	var erased struct {
		EraseContact struct{ BlacklistEntry struct{ ID string } }
	}
	s.MustAdmin(t, &erased, `mutation($id: ID!) { eraseContact(id: $id, reason: "Art. 17 request by letter, ticket 4712") {
		blacklistEntry { id } } }`, map[string]any{"id": joerg.CreateContact.Contact.ID})
	return erased.EraseContact.BlacklistEntry.ID
}

// A person known by his postal address only is erased on request; the next bought address
// list names him again, spelled as the matching folds allow. Nobody is at the row when the
// import writes it, so it is held, as a row matching the blacklist by e-mail or phone is: not
// imported with a problem line that someone may or may not read. The same holds for a row
// that brings him with an e-mail the blacklist has never seen.
func TestAnErasedPersonKnownByAddressIsHeldNotImported(t *testing.T) {
	s := apptest.Start(t)
	entryID := enterAndErasePostalOnly(t, s)

	file := "Vorname;Nachname;E-Mail;Telefon;Straße;PLZ;Ort\r\n" +
		"Joerg;Weissbaecker;;;Lindenstr. 12;10115;Berlin\r\n" + // 2 held: his name and address, folded
		"JÖRG;Weißbäcker;joerg.weissbaecker@example.test;;Lindenstrasse 12;10115;Berlin\r\n" + // 3 held: a new e-mail, his name and address
		"Hans;Beispiel;hans.beispiel@example.test;;;;\r\n" // 4 new
	var started struct{ StartImport job }
	upload(t, s.URL, apptest.AdminToken, startImport, nil, "adressen.csv", []byte(file)).Decode(t, &started)
	j := waitJob(t, s, started.StartImport.ID)

	if got := [4]int{j.Inserted, j.Duplicates, j.Held, j.Invalid}; j.Status != "NEEDS_DECISION" || got != [4]int{1, 0, 2, 0} {
		t.Fatalf("job: status %s, inserted/duplicates/held/invalid %v, problems %+v; want NEEDS_DECISION, [1 0 2 0] (lines 2 and 3 held)",
			j.Status, got, j.Problems)
	}
	if len(j.Problems) != 0 {
		t.Errorf("problems = %+v, want none: the held rows say what matched", j.Problems)
	}
	if len(j.HeldRows) != 2 {
		t.Fatalf("held rows = %+v, want lines 2 and 3", j.HeldRows)
	}
	for i, want := range []struct {
		line  int
		email string
	}{{2, ""}, {3, "joerg.weissbaecker@example.test"}} {
		h := j.HeldRows[i]
		if h.Line != want.line || h.Field != "NAME_AND_ADDRESS" || h.Entry.ID != entryID || h.Entry.Source != "ERASURE" ||
			h.Row.Email != want.email || h.Row.Street == "" || h.Row.PostalCode != "10115" {
			t.Errorf("held row %d = %+v, want line %d matching entry %s by NAME_AND_ADDRESS", i, h, want.line, entryID)
		}
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM contacts WHERE postal_code = '10115'`); n != 0 {
		t.Fatalf("%d contacts at his address after the import, want none until someone decides", n)
	}

	// Accepting needs a reason that does not name him; it writes the row and audits the override.
	res := s.Admin(t, decide, map[string]any{"job": j.ID, "line": 2, "accept": true, "reason": "Herr Weißbäcker wants the catalogue again"})
	if codes := res.ErrorCodes(); len(codes) != 1 || codes[0] != "BAD_USER_INPUT" || res.Errors[0].Field() != "reason" {
		t.Fatalf("a reason naming him: errors %+v, want BAD_USER_INPUT on reason", res.Errors)
	}
	// nor one that quotes his address, however the street is written
	res = s.Admin(t, decide, map[string]any{"job": j.ID, "line": 2, "accept": true, "reason": "the house at Lindenstrasse 12 asked for it"})
	if codes := res.ErrorCodes(); len(codes) != 1 || codes[0] != "BAD_USER_INPUT" || res.Errors[0].Field() != "reason" {
		t.Fatalf("a reason quoting his address: errors %+v, want BAD_USER_INPUT on reason", res.Errors)
	}
	var d struct{ DecideImportRow job }
	const why = "asked for the catalogue again in writing, letter of 3 March on file"
	s.MustAdmin(t, &d, decide, map[string]any{"job": j.ID, "line": 2, "accept": true, "reason": why})
	if a := d.DecideImportRow; a.Status != "NEEDS_DECISION" || a.Inserted != 2 || a.Held != 1 || len(a.HeldRows) != 1 || a.HeldRows[0].Line != 3 {
		t.Errorf("after accepting line 2: %+v", a)
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM contacts WHERE postal_code = '10115' AND street = 'Lindenstr. 12'`); n != 1 {
		t.Errorf("accepted row written %d times, want once", n)
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM audit_log WHERE operation = 'decideImportRow' AND target_id = $1 AND reason = $2
		AND contact_id IS NOT NULL AND outcome LIKE '%NAME_AND_ADDRESS%' AND outcome LIKE '%' || $3 || '%'`, j.ID, why, entryID); n != 1 {
		t.Errorf("audit rows of the override = %d, want 1 naming the reason, the new contact, the match and the entry", n)
	}

	// Dropping writes nothing of him.
	s.MustAdmin(t, &d, decide, map[string]any{"job": j.ID, "line": 3, "accept": false})
	if a := d.DecideImportRow; a.Status != "DONE" || a.Held != 0 || a.Inserted != 2 || len(a.HeldRows) != 0 {
		t.Errorf("after dropping line 3: %+v", a)
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM contact_emails WHERE normalized = 'joerg.weissbaecker@example.test'`) +
		queryInt(t, s.DBURL, `SELECT count(*) FROM import_held`); n != 0 {
		t.Errorf("after dropping line 3: %d e-mails of his or held rows left", n)
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM audit_log WHERE operation = 'decideImportRow' AND target_id = $1
		AND outcome LIKE 'dropped line 3 (blacklist match NAME_AND_ADDRESS%'`, j.ID); n != 1 {
		t.Errorf("audit rows of the drop = %d, want 1", n)
	}
}

// Accepting a row held for its name and address takes what the blacklist says at the decision,
// as for every held row: an entry for its e-mail added since the row was held was not shown to
// the one deciding, so the first acceptance is refused and the row shows it (screening.Unseen);
// accepted again, knowing it, the row is written and blocked (the database's contact_blocks,
// the one home of that rule), so it gets nothing for any purpose.
func TestAHeldRowAcceptedAfterItsEmailWasBlacklistedIsBlocked(t *testing.T) {
	s := apptest.Start(t)
	enterAndErasePostalOnly(t, s)
	file := "Vorname;Nachname;E-Mail;Straße;PLZ;Ort\r\n" +
		"Jörg;Weissbäcker;joerg.w@example.test;Lindenstraße 12;10115;Berlin\r\n"
	var started struct{ StartImport job }
	upload(t, s.URL, apptest.AdminToken, startImport, nil, "adressen.csv", []byte(file)).Decode(t, &started)
	j := waitJob(t, s, started.StartImport.ID)
	if j.Status != "NEEDS_DECISION" || j.Held != 1 || len(j.HeldRows) != 1 || j.HeldRows[0].Field != "NAME_AND_ADDRESS" {
		t.Fatalf("job = %+v, want line 2 held for its name and address", j)
	}
	objection := blacklistAdd(t, s, map[string]any{"emails": []string{"joerg.w@example.test"}}, "objection by letter of 4 March")

	const why = "a namesake at the same house, checked by phone"
	refusedAsUnseen(t, s.Admin(t, decide, map[string]any{"job": j.ID, "line": 2, "accept": true, "reason": why}),
		"accepting after his e-mail was blacklisted", []string{"joerg", "weiss"}, objection, "EMAIL")
	var d struct{ DecideImportRow job }
	s.MustAdmin(t, &d, decide, map[string]any{"job": j.ID, "line": 2, "accept": true, "reason": why})
	if a := d.DecideImportRow; a.Status != "DONE" || a.Inserted != 1 || a.Held != 0 {
		t.Fatalf("after accepting line 2: %+v", a)
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM contact_emails e JOIN contact_blocks b ON b.contact_id = e.contact_id
		WHERE e.normalized = 'joerg.w@example.test'`); n != 1 {
		t.Errorf("the accepted contact with the blacklisted e-mail: %d blocks, want it blocked", n)
	}
}
