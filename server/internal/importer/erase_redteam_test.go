package importer_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// A row held for a manual entry (her phone: no calls) quotes Erika Testfrau as typed. Sales
// then enter her under another spelling of the same e-mail, and she asks to be erased: the
// held row is her data too. It goes with the erasure, its job counts it decided, and it can no
// longer be accepted back in.
func TestRedTeamErasureDropsThePersonsHeldImportRows(t *testing.T) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation($c: ContactInput!) { blacklistAdd(candidate: $c, reason: "objection to calls, letter of 2 November") { id } }`,
		map[string]any{"c": map[string]any{"phones": []string{"030 5557001"}}})
	file := "Vorname;Nachname;E-Mail;Telefon;Straße;PLZ;Ort\r\n" +
		"Erika;Testfrau;erika.testfrau@example.org;030 5557001;Lindenstraße 12;10115;Berlin\r\n" +
		"Hans;Beispiel;hans.beispiel@example.net;;;;\r\n"
	var started struct{ StartImport job }
	upload(t, s.URL, apptest.AdminToken, startImport, map[string]any{"file": nil}, "messe.csv", []byte(file)).Decode(t, &started)
	j := waitJob(t, s, started.StartImport.ID)
	if j.Status != "NEEDS_DECISION" || j.Held != 1 || j.Inserted != 1 || len(j.HeldRows) != 1 || j.HeldRows[0].Line != 2 {
		t.Fatalf("job = %+v, want line 2 held and Hans inserted", j)
	}

	var sales struct {
		CreateContact struct{ Contact *struct{ ID string } }
	}
	s.MustAdmin(t, &sales, `mutation { createContact(input: {givenName: "Erika", familyName: "Testfrau",
		emails: ["Erika.Testfrau+shop@Example.org"]}) { contact { id } } }`, nil)
	if sales.CreateContact.Contact == nil {
		t.Fatalf("the sales record was not written: %+v", sales)
	}
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { eraseContact(id: $id, reason: "Art. 17 request, ticket 4711") { contactId } }`,
		map[string]any{"id": sales.CreateContact.Contact.ID})

	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM import_held WHERE given_name ILIKE '%erika%' OR raw_email ILIKE '%testfrau%'
		OR street ILIKE '%linden%'`); n != 0 {
		t.Errorf("after her erasure %d held import rows still quote her", n)
	}
	var after struct{ ImportJob job }
	s.MustAdmin(t, &after, `query($id: ID!) { importJob(id: $id) { `+jobFields+` } }`, map[string]any{"id": j.ID})
	if a := after.ImportJob; a.Status != "DONE" || a.Held != 0 || len(a.HeldRows) != 0 {
		t.Errorf("job after her erasure: status %s, held %d, held rows %+v; want DONE with none waiting", a.Status, a.Held, a.HeldRows)
	}
	res := s.Admin(t, decide, map[string]any{"job": j.ID, "line": 2, "accept": true, "reason": "customer asked at the desk"})
	if codes := res.ErrorCodes(); len(codes) != 1 || codes[0] != "NOT_FOUND" {
		t.Errorf("accepting her held row after her erasure: %+v, want NOT_FOUND", res.Errors)
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM contacts WHERE family_name = 'Testfrau'`); n != 0 {
		t.Errorf("%d contacts of her after the erasure", n)
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM audit_log WHERE operation = 'eraseContact' AND target_id = $1`, j.ID); n != 1 {
		t.Errorf("%d audit rows for the held rows dropped from job %s, want 1", n, j.ID)
	}
}

// filesQuoting returns the files under dir whose content holds s (case-insensitive).
func filesQuoting(t *testing.T, dir, s string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if b, err := os.ReadFile(path); err == nil && bytes.Contains(bytes.ToLower(b), []byte(s)) {
			found = append(found, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// The data directory keeps no copy of a file that named the person once its import has read
// it (held for a decision), once an import was refused, and after a preview.
func TestRedTeamNoUploadedFileOutlivesItsImport(t *testing.T) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation($c: ContactInput!) { blacklistAdd(candidate: $c, reason: "objection to calls, letter of 2 November") { id } }`,
		map[string]any{"c": map[string]any{"phones": []string{"030 5557001"}}})
	file := []byte("Vorname;Nachname;E-Mail;Telefon\r\nErika;Testfrau;erika.testfrau@example.org;030 5557001\r\n")

	var started struct{ StartImport job }
	upload(t, s.URL, apptest.AdminToken, startImport, map[string]any{"file": nil}, "messe.csv", file).Decode(t, &started)
	if j := waitJob(t, s, started.StartImport.ID); j.Status != "NEEDS_DECISION" {
		t.Fatalf("job = %+v, want NEEDS_DECISION", j)
	}
	refused := upload(t, s.URL, apptest.AdminToken, startImport, map[string]any{"file": nil, "list": "no-such-list"}, "messe.csv", file)
	if len(refused.Errors) == 0 {
		t.Fatalf("an import into an unknown list was started")
	}
	upload(t, s.URL, apptest.AdminToken, `mutation($file: Upload!) { previewImport(file: $file) { encoding } }`,
		map[string]any{"file": nil}, "messe.csv", file)
	if found := filesQuoting(t, s.Config.DataDir, "testfrau"); len(found) > 0 {
		t.Errorf("files in the data directory still quote her: %v", found)
	}
}

// The problem list of an import names the line and field of an invalid row, not what was
// typed there: a row of Erika Testfrau with a mistyped e-mail is her data. (Before, each
// problem quoted the value, and her erasure had to find and delete the ones quoting her.) Her
// erasure leaves the list as it was, none of it hers.
func TestRedTeamProblemsDoNotQuoteThePerson(t *testing.T) {
	s := apptest.Start(t)
	file := "Vorname;Nachname;E-Mail;Telefon\r\n" +
		"Erika;Testfrau;erika.testfrau@example;030 5557001\r\n" +
		"Erika;Testfrau;erika.testfrau@example.org;030 555 7001 x\r\n" +
		"Hans;Beispiel;hans.beispiel@example;\r\n"
	var started struct{ StartImport job }
	upload(t, s.URL, apptest.AdminToken, startImport, map[string]any{"file": nil}, "messe.csv", []byte(file)).Decode(t, &started)
	j := waitJob(t, s, started.StartImport.ID)
	if j.Invalid != 3 || len(j.Problems) != 3 {
		t.Fatalf("job = %+v, want three invalid rows with a problem each", j)
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM import_problems WHERE message ILIKE '%testfrau%' OR message LIKE '%555%'`); n != 0 {
		t.Errorf("%d problems quote her", n)
	}

	var erika struct {
		CreateContact struct{ Contact *struct{ ID string } }
	}
	s.MustAdmin(t, &erika, `mutation { createContact(input: {givenName: "Erika", familyName: "Testfrau",
		emails: ["Erika.Testfrau+shop@Example.org"], phones: ["+49 30 5557001"]}) { contact { id } } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { eraseContact(id: $id, reason: "Art. 17 request, ticket 4711") { contactId } }`,
		map[string]any{"id": erika.CreateContact.Contact.ID})

	var after struct{ ImportJob job }
	s.MustAdmin(t, &after, `query($id: ID!) { importJob(id: $id) { `+jobFields+` } }`, map[string]any{"id": j.ID})
	var lines []int
	for _, p := range after.ImportJob.Problems {
		lines = append(lines, p.Line)
	}
	if len(lines) != 3 || lines[0] != 2 || lines[2] != 4 {
		t.Errorf("problems after her erasure on lines %v (%+v), want lines 2 to 4, as before", lines, after.ImportJob.Problems)
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM import_problems WHERE message ILIKE '%testfrau%' OR message LIKE '%555%'`); n != 0 {
		t.Errorf("after her erasure %d problems still quote her", n)
	}
}

// A job's file name may name the person ("erika-testfrau.csv", her own sign-up sheet): her
// erasure takes it off the job, which stays with its counts. The consents the file recorded
// for others name the job, not the file: the ledger is append-only, and Hans's consent proof
// said {"method":"import","file":"Kontakte von Erika Testfrau.csv",...} after her erasure.
func TestRedTeamErasureRenamesAFileNamedAfterThePerson(t *testing.T) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	file := "Vorname;Nachname;E-Mail;Einwilligung\r\nHans;Beispiel;hans.beispiel@example.net;newsletter\r\n"
	var started struct{ StartImport job }
	upload(t, s.URL, apptest.AdminToken, startImport, map[string]any{"file": nil}, "Kontakte von Erika Testfrau.csv", []byte(file)).Decode(t, &started)
	j := waitJob(t, s, started.StartImport.ID)
	var other struct{ StartImport job }
	upload(t, s.URL, apptest.AdminToken, startImport, map[string]any{"file": nil}, "messe-2026.csv", []byte(file)).Decode(t, &other)
	waitJob(t, s, other.StartImport.ID)

	enterAndEraseErika(t, s)

	for _, tc := range []struct {
		id       string
		quotes   bool
		wantName string
	}{{j.ID, true, ""}, {other.StartImport.ID, false, "messe-2026.csv"}} {
		var after struct{ ImportJob job }
		s.MustAdmin(t, &after, `query($id: ID!) { importJob(id: $id) { `+jobFields+` } }`, map[string]any{"id": tc.id})
		name := after.ImportJob.FileName
		switch {
		case tc.quotes && (strings.Contains(strings.ToLower(name), "testfrau") || after.ImportJob.Inserted != 1):
			t.Errorf("job %s after her erasure: file name %q, inserted %d; want her name gone and the count kept", tc.id, name, after.ImportJob.Inserted)
		case !tc.quotes && name != tc.wantName:
			t.Errorf("job %s: file name %q, want %q kept", tc.id, name, tc.wantName)
		}
	}
	var hans struct {
		Contacts struct {
			Edges []struct {
				Node struct {
					Consents []struct {
						History []struct{ Evidence string }
					}
				}
			}
		}
	}
	s.MustAdmin(t, &hans, `{ contacts(search: "hans.beispiel@example.net") { edges { node { consents { history { evidence } } } } } }`, nil)
	evidence := 0
	for _, e := range hans.Contacts.Edges {
		for _, c := range e.Node.Consents {
			for _, h := range c.History {
				evidence++
				if strings.Contains(strings.ToLower(h.Evidence), "testfrau") || !strings.Contains(h.Evidence, `"line":2`) {
					t.Errorf("Hans's consent evidence after her erasure: %s; want the job and line, without her name", h.Evidence)
				}
			}
		}
	}
	if evidence != 2 {
		t.Errorf("Hans has %d consent events, want one from each file", evidence)
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM consent_events WHERE evidence ILIKE '%testfrau%'`); n != 0 {
		t.Errorf("after her erasure %d consent events quote the file named after her", n)
	}
}

// A header cell the importer does not know is kept on the job as typed (unknownColumns):
// a column "Empfohlen von Erika Testfrau" (a referral list's header) names her, as a file name
// may. Her erasure takes her name off the job's columns, as off its file name, and leaves the
// other unknown columns and the counts as they were.
func TestRedTeamErasureTakesThePersonOffAJobsUnknownColumns(t *testing.T) {
	s := apptest.Start(t)
	file := "Vorname;Nachname;E-Mail;Empfohlen von Erika Testfrau;Notiz\r\nHans;Beispiel;hans.beispiel@example.net;ja;\r\n"
	var started struct{ StartImport job }
	upload(t, s.URL, apptest.AdminToken, startImport, map[string]any{"file": nil}, "empfehlungen.csv", []byte(file)).Decode(t, &started)
	j := waitJob(t, s, started.StartImport.ID)
	if j.Inserted != 1 || len(j.UnknownColumns) != 2 {
		t.Fatalf("job = %+v, want Hans inserted and two unknown columns", j)
	}

	enterAndEraseErika(t, s)

	var after struct{ ImportJob job }
	s.MustAdmin(t, &after, `query($id: ID!) { importJob(id: $id) { `+jobFields+` } }`, map[string]any{"id": j.ID})
	cols := after.ImportJob.UnknownColumns
	if len(cols) != 2 || strings.Contains(strings.ToLower(strings.Join(cols, "|")), "testfrau") || cols[1] != "Notiz" || after.ImportJob.Inserted != 1 {
		t.Errorf("job after her erasure: unknown columns %q, inserted %d; want her name gone, Notiz kept, the count kept", cols, after.ImportJob.Inserted)
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM import_jobs WHERE array_to_string(unknown_columns, '|') ILIKE '%testfrau%'`); n != 0 {
		t.Errorf("after her erasure %d import jobs quote her in their columns", n)
	}
}

// enterAndEraseErika enters Erika Testfrau (one e-mail) on s and erases her.
func enterAndEraseErika(t *testing.T, s *apptest.Server) {
	t.Helper()
	var erika struct {
		CreateContact struct{ Contact *struct{ ID string } }
	}
	s.MustAdmin(t, &erika, `mutation { createContact(input: {givenName: "Erika", familyName: "Testfrau",
		emails: ["erika.testfrau@example.org"]}) { contact { id } } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { eraseContact(id: $id, reason: "Art. 17 request, ticket 4711") { contactId } }`,
		map[string]any{"id": erika.CreateContact.Contact.ID})
}
