package importer_test

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/metrics"
	"github.com/vermerk/vermerk/server/internal/screening"
)

// The office's file: Excel on German Windows (Windows-1252, ";"), German headers, an extra
// column, a note running over two lines. Line numbers count physical lines; the header is 1.
const officeCSV = "Vorname;Nachname;Firma;E-Mail;Telefon;Straße;PLZ;Ort;Land;Notiz\r\n" +
	"Erika;Müller;;erika.mueller@example.org;030 5550101;Hauptstraße 1;10115;Berlin;Deutschland;Messe\r\n" + // 2 new
	"Max;Mustermann;;MAX.Mustermann@EXAMPLE.org;;;;;;\r\n" + // 3 duplicate of an existing contact
	"Jürgen;Schäfer;Bäckerei Schäfer;juergen.schaefer@example.org;0221 5550102;Domstraße 5;50667;Köln;DE;\r\n" + // 4 new
	"Hans;Weiß;;Erika.Mueller@example.org;;;;;;\r\n" + // 5 duplicate of line 2
	"Bernd;Gesperrt;;gesperrt@example.org;;;;;;\r\n" + // 6 held: e-mail on the blacklist
	"Clara;Sperr;;;+49 30 5550199;;;;;\r\n" + // 7 held: phone on the blacklist
	"Anna;Fehler;;anna@;;;;;;\r\n" + // 8 invalid e-mail
	"Otto;;;niemand@example.org;;;;;;\r\n" + // 9 invalid: no family name, no organisation
	"Dora;Straßburg;;dora.neu@example.org;;Lindenstraße 12;50667;Köln;;\"erste Zeile\r\nzweite; Zeile\"\r\n" + // 10-11 held: a new e-mail, but name and address on the blacklist
	"Emil;Östrich;;emil@example.org;;;;;;\r\n" // 12 new

const startImport = `mutation($file: Upload!, $list: String) { startImport(file: $file, listKey: $list) { ` + jobFields + ` } }`

const decide = `mutation($job: ID!, $line: Int!, $accept: Boolean!, $reason: String) {
	decideImportRow(jobId: $job, line: $line, accept: $accept, reason: $reason) { ` + jobFields + ` } }`

// seedOffice creates the existing contact, the blacklist entries and a list.
func seedOffice(t *testing.T, s *apptest.Server) {
	t.Helper()
	s.MustAdmin(t, &struct{}{}, `mutation { createContact(input: {givenName: "Max", familyName: "Mustermann",
		emails: ["max.mustermann@example.org"]}) { contact { id } } }`, nil)
	for _, c := range []map[string]any{
		{"familyName": "Gesperrt", "emails": []string{"gesperrt@example.org"}},
		{"familyName": "Sperr", "phones": []string{"030 5550199"}},
		{"givenName": "Dora", "familyName": "Straßburg", "emails": []string{"dora.alt@example.org"},
			"address": map[string]any{"street": "Lindenstr. 12", "postalCode": "50667", "city": "Köln"}},
	} {
		s.MustAdmin(t, &struct{}{}, `mutation($c: ContactInput!) { blacklistAdd(candidate: $c, reason: "asked to be erased") { id } }`,
			map[string]any{"c": c})
	}
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "messe-2024", name: "Messe 2024", purposeKey: "newsletter"}) { id } }`, nil)
}

func TestImportOfficeFile(t *testing.T) {
	s := apptest.Start(t)
	seedOffice(t, s)

	res := upload(t, s.URL, apptest.AdminToken, startImport, map[string]any{"list": "messe-2024"}, "Messe Köln.csv", windows1252(t, officeCSV))
	var started struct{ StartImport job }
	res.Decode(t, &started)
	j := waitJob(t, s, started.StartImport.ID)

	if j.Status != "NEEDS_DECISION" {
		t.Fatalf("status = %s (message %v), want NEEDS_DECISION", j.Status, j.Message)
	}
	got := [6]int{j.Total, j.Processed, j.Inserted, j.Duplicates, j.Held, j.Invalid}
	// Line 10 was imported with a NAME_AND_ADDRESS_MATCH problem line until name-and-address
	// matches were held like e-mail and phone matches (TestAnErasedPersonKnownByAddressIsHeldNotImported).
	if want := [6]int{10, 10, 3, 2, 3, 2}; got != want {
		t.Errorf("total/processed/inserted/duplicates/held/invalid = %v, want %v", got, want)
	}
	rows := metrics.ImportRows(s.App.Metrics)
	for outcome, want := range map[string]float64{metrics.ImportInserted: 3, metrics.ImportDuplicate: 2, metrics.ImportHeld: 3, metrics.ImportInvalid: 2} {
		if got := testutil.ToFloat64(rows.WithLabelValues(outcome)); got != want {
			t.Errorf("vermerk_import_rows_total{outcome=%q} = %v, want %v", outcome, got, want)
		}
	}
	if j.Encoding != "Windows-1252" || j.Separator != ";" || j.FileName != "Messe Köln.csv" ||
		j.ListKey == nil || *j.ListKey != "messe-2024" || strings.Join(j.UnknownColumns, ",") != "Notiz" {
		t.Errorf("format = %q %q %q list %v unknown %q", j.Encoding, j.Separator, j.FileName, j.ListKey, j.UnknownColumns)
	}
	wantProblems := []struct {
		line        int
		code, field string
		text        string
	}{
		{8, "EMAIL_NO_DOMAIN", "email", `e-mail has no domain`},
		{9, "NAME_OR_ORGANIZATION_REQUIRED", "familyName", "no family name and no organisation"},
	}
	if len(j.Problems) != len(wantProblems) {
		t.Fatalf("problems = %+v, want lines 8 and 9", j.Problems)
	}
	for i, w := range wantProblems {
		p := j.Problems[i]
		field := ""
		if p.Field != nil {
			field = *p.Field
		}
		if p.Line != w.line || p.Code != w.code || field != w.field || !strings.Contains(p.Message, w.text) {
			t.Errorf("problem %d = line %d %s %q %q, want line %d %s %q containing %q", i, p.Line, p.Code, field, p.Message,
				w.line, w.code, w.field, w.text)
		}
	}
	if len(j.HeldRows) != 3 {
		t.Fatalf("heldRows = %+v, want lines 6, 7 and 10", j.HeldRows)
	}
	h6, h7, h10 := j.HeldRows[0], j.HeldRows[1], j.HeldRows[2]
	if h6.Line != 6 || h6.Field != "EMAIL" || h6.Row.FamilyName != "Gesperrt" || h6.Row.Email != "gesperrt@example.org" ||
		h6.Entry.Reason != "asked to be erased" || h6.Entry.Source != "MANUAL" || h6.Entry.KeyID == "" || h6.Entry.CreatedAt == "" {
		t.Errorf("held row 6 = %+v", h6)
	}
	if h7.Line != 7 || h7.Field != "PHONE" || h7.Row.Phone != "+49 30 5550199" {
		t.Errorf("held row 7 = %+v", h7)
	}
	if h10.Line != 10 || h10.Field != "NAME_AND_ADDRESS" || h10.Row.Email != "dora.neu@example.org" || h10.Row.Street != "Lindenstraße 12" {
		t.Errorf("held row 10 = %+v", h10)
	}

	// The umlauts arrive intact; the duplicates and held rows were not written.
	var c struct {
		Contacts struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					FamilyName, Organization string
					Address                  struct{ Street, City string }
				}
			}
		}
	}
	s.MustAdmin(t, &c, `{ contacts(search: "Schäfer") { totalCount edges { node { familyName organization address { street city } } } } }`, nil)
	if c.Contacts.TotalCount != 1 || c.Contacts.Edges[0].Node.Address.Street != "Domstraße 5" || c.Contacts.Edges[0].Node.Address.City != "Köln" ||
		c.Contacts.Edges[0].Node.Organization != "Bäckerei Schäfer" {
		t.Errorf("Schäfer = %+v", c.Contacts)
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM contacts`); n != 4 {
		t.Errorf("contacts = %d, want 4 (1 existing + 3 imported)", n)
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM contact_emails WHERE normalized = 'max.mustermann@example.org'`); n != 1 {
		t.Errorf("Max's address is stored %d times, want once", n)
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM list_members m JOIN distribution_lists l ON l.id = m.list_id WHERE l.key = 'messe-2024'`); n != 3 {
		t.Errorf("list members = %d, want the 3 imported", n)
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM consent_events`); n != 0 {
		t.Errorf("consent events = %d; an import must never grant consent", n)
	}
	progress := queryInt(t, s.DBURL, `SELECT count(*) FROM events WHERE kind = 'IMPORT_PROGRESS' AND ref = $1`, j.ID)
	if progress < 2 {
		t.Errorf("IMPORT_PROGRESS events = %d, want at least the start and the end", progress)
	}

	// Decisions.
	res = s.Admin(t, decide, map[string]any{"job": j.ID, "line": 6, "accept": true})
	if codes := res.ErrorCodes(); len(codes) != 1 || codes[0] != "BAD_USER_INPUT" || res.Errors[0].Field() != "reason" {
		t.Fatalf("accept without reason: errors %+v, want BAD_USER_INPUT on reason", res.Errors)
	}
	var d struct{ DecideImportRow job }
	s.MustAdmin(t, &d, decide, map[string]any{"job": j.ID, "line": 6, "accept": true, "reason": "signed up again at the fair, in writing"})
	if d.DecideImportRow.Status != "NEEDS_DECISION" || d.DecideImportRow.Inserted != 4 || d.DecideImportRow.Held != 2 ||
		len(d.DecideImportRow.HeldRows) != 2 || d.DecideImportRow.HeldRows[0].Line != 7 {
		t.Errorf("after accepting line 6: %+v", d.DecideImportRow)
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM audit_log WHERE operation = 'decideImportRow' AND target_id = $1
		AND reason = 'signed up again at the fair, in writing' AND contact_id IS NOT NULL AND outcome LIKE '%' || $2 || '%'`,
		j.ID, h6.Entry.ID); n != 1 {
		t.Errorf("audit rows of the override = %d, want 1 naming the reason, the new contact and the entry", n)
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM contact_emails WHERE normalized = 'gesperrt@example.org'`); n != 1 {
		t.Errorf("accepted row written %d times, want once", n)
	}
	// written with its keyed hash, and blocked (it matches the entry it was held for)
	key := s.App.Keyring.Current().ID
	want, err := s.App.Keyring.Hash(key, screening.KindEmail, "gesperrt@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM contact_emails e JOIN contact_blocks b ON b.contact_id = e.contact_id
		WHERE e.normalized = 'gesperrt@example.org' AND e.hash = $1 AND e.key_id = $2`, want, key); n != 1 {
		t.Errorf("accepted row with its hash and blocked: %d rows, want 1", n)
	}
	res = s.Admin(t, decide, map[string]any{"job": j.ID, "line": 6, "accept": false})
	if codes := res.ErrorCodes(); len(codes) != 1 || codes[0] != "NOT_FOUND" {
		t.Errorf("deciding line 6 twice: errors %+v, want NOT_FOUND", res.Errors)
	}
	s.MustAdmin(t, &d, decide, map[string]any{"job": j.ID, "line": 7, "accept": false})
	if d.DecideImportRow.Status != "NEEDS_DECISION" || d.DecideImportRow.Held != 1 || len(d.DecideImportRow.HeldRows) != 1 || d.DecideImportRow.Inserted != 4 {
		t.Errorf("after dropping line 7: %+v", d.DecideImportRow)
	}
	s.MustAdmin(t, &d, decide, map[string]any{"job": j.ID, "line": 10, "accept": false})
	if d.DecideImportRow.Status != "DONE" || d.DecideImportRow.Held != 0 || len(d.DecideImportRow.HeldRows) != 0 || d.DecideImportRow.Inserted != 4 {
		t.Errorf("after dropping line 10: %+v", d.DecideImportRow)
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM import_held`); n != 0 {
		t.Errorf("held rows kept after the decisions: %d", n)
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM contact_phones WHERE number = '+49305550199'`); n != 0 {
		t.Errorf("dropped row was written")
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM audit_log WHERE target_id = $1 AND operation IN ('startImport', 'decideImportRow')`, j.ID); n != 4 {
		t.Errorf("audit rows of the job = %d, want start + 3 decisions", n)
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM events WHERE kind = 'IMPORT_PROGRESS' AND ref = $1`, j.ID); n != progress+3 {
		t.Errorf("IMPORT_PROGRESS events after 3 decisions = %d, want %d", n, progress+3)
	}
}

func TestPreviewWritesNothing(t *testing.T) {
	s := apptest.Start(t)
	res := upload(t, s.URL, apptest.AdminToken, `mutation($file: Upload!) { previewImport(file: $file) {
		encoding separator headers columns unknownColumns rows { givenName familyName email street city } } }`,
		nil, "liste.csv", windows1252(t, officeCSV))
	var p struct {
		PreviewImport struct {
			Encoding, Separator              string
			Headers, Columns, UnknownColumns []string
			Rows                             []struct{ GivenName, FamilyName, Email, Street, City string }
		}
	}
	res.Decode(t, &p)
	pv := p.PreviewImport
	if pv.Encoding != "Windows-1252" || pv.Separator != ";" || len(pv.Rows) != 10 || pv.Rows[0].FamilyName != "Müller" ||
		pv.Rows[0].Street != "Hauptstraße 1" || pv.Headers[5] != "Straße" || pv.Columns[5] != "street" || pv.UnknownColumns[0] != "Notiz" {
		t.Errorf("preview = %+v", pv)
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM contacts`) + queryInt(t, s.DBURL, `SELECT count(*) FROM import_jobs`); n != 0 {
		t.Errorf("preview wrote %d rows", n)
	}
}

func TestFilesThatCannotBeImported(t *testing.T) {
	s := apptest.Start(t)
	for _, tc := range []struct {
		name, content, list, field, text string
	}{
		{"empty", "", "", "file", "empty"},
		{"no contact columns", "Artikel;Preis\nSchraube;0,10\n", "", "file", "no e-mail, phone or name column"},
		{"unknown list", "E-Mail\nerika@example.org\n", "gibt-es-nicht", "listKey", "gibt-es-nicht"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vars := map[string]any{}
			if tc.list != "" {
				vars["list"] = tc.list
			}
			res := upload(t, s.URL, apptest.AdminToken, startImport, vars, "x.csv", []byte(tc.content))
			if len(res.Errors) != 1 || res.Errors[0].Code() != "BAD_USER_INPUT" || res.Errors[0].Field() != tc.field ||
				!strings.Contains(res.Errors[0].Message, tc.text) {
				t.Errorf("errors = %+v, want BAD_USER_INPUT on %s mentioning %q", res.Errors, tc.field, tc.text)
			}
		})
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM import_jobs`); n != 0 {
		t.Errorf("refused files left %d jobs", n)
	}
}
