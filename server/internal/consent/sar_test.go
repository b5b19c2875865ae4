package consent_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

type sarDoc struct {
	ExportedAt time.Time
	Contact    struct {
		ID      string
		Emails  []string
		Phones  []string
		Address struct{ Street, PostalCode, City string }
	}
	Lists         []struct{ Key, PurposeKey string }
	Consents      []struct{ PurposeKey, Status string }
	ConsentLedger []struct {
		PurposeKey, Status, Source, RecordedBy string
		Evidence                               *string
	}
	AuditLog []struct{ Operation, Actor string }
	Purposes []struct{ Key string }
}

func checkExport(t *testing.T, raw, id string) sarDoc {
	t.Helper()
	var doc sarDoc
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, raw)
	}
	if !strings.Contains(raw, "\n  \"contact\"") {
		t.Errorf("export is not pretty-printed:\n%s", raw)
	}
	if time.Since(doc.ExportedAt) > time.Minute || doc.ExportedAt.After(time.Now().Add(time.Second)) {
		t.Errorf("exportedAt = %s, want now", doc.ExportedAt)
	}
	if doc.Contact.ID != id || len(doc.Contact.Emails) != 1 || doc.Contact.Emails[0] != "erika.mustermann@example.org" ||
		len(doc.Contact.Phones) != 1 || doc.Contact.Address.City != "Berlin" {
		t.Errorf("contact = %+v, want Erika's identifiers and address", doc.Contact)
	}
	if len(doc.Lists) != 1 || doc.Lists[0].Key != "news-de" || doc.Lists[0].PurposeKey != "newsletter" {
		t.Errorf("lists = %+v, want news-de", doc.Lists)
	}
	if len(doc.ConsentLedger) != 3 || doc.ConsentLedger[0].Status != "GRANTED" || doc.ConsentLedger[0].Evidence == nil ||
		doc.ConsentLedger[1].PurposeKey != "sales-calls" || doc.ConsentLedger[2].Status != "REVOKED" ||
		doc.ConsentLedger[2].RecordedBy != "admin (bootstrap)" {
		t.Errorf("consentLedger = %+v, want newsletter grant, sales-call grant, sales-call revocation", doc.ConsentLedger)
	}
	if len(doc.Consents) != 2 || doc.Consents[1].PurposeKey != "sales-calls" || doc.Consents[1].Status != "REVOKED" {
		t.Errorf("consents = %+v", doc.Consents)
	}
	ops := map[string]bool{}
	for _, a := range doc.AuditLog {
		ops[a.Operation] = true
	}
	for _, op := range []string{"createContact", "addToList", "recordConsent", "revokeConsent"} {
		if !ops[op] {
			t.Errorf("auditLog lacks %s: %+v", op, doc.AuditLog)
		}
	}
	if len(doc.Purposes) != 2 {
		t.Errorf("purposes = %+v, want the two the person's data refers to", doc.Purposes)
	}
	return doc
}

// erika is a contact with a list membership, two consents and a revocation.
func erika(t *testing.T, f fixture) string {
	t.Helper()
	id := f.contact(t, "Erika", "Mustermann")
	f.contact(t, "Max", "Beispiel") // someone else, who must not show up
	f.addToList(t, id, "news-de")
	f.grant(t, id, "newsletter", "web form", "double opt-in 2025-03-01T10:00:00Z from 192.0.2.1")
	f.grant(t, id, "sales-calls", "fair", nil)
	f.revoke(t, id, "sales-calls", "phone")
	return id
}

func TestSubjectAccessExportHoldsEverythingAboutThePerson(t *testing.T) {
	f := newFixture(t)
	id := erika(t, f)
	var out struct{ SubjectAccessExport string }
	f.MustAdmin(t, &out, `query($id: ID!) { subjectAccessExport(contactId: $id) }`, map[string]any{"id": id})
	checkExport(t, out.SubjectAccessExport, id)
	if strings.Contains(out.SubjectAccessExport, "Beispiel") {
		t.Errorf("the export holds another person's data")
	}
	f.MustAdmin(t, &out, `query($id: ID!) { subjectAccessExport(contactId: $id) }`, map[string]any{"id": id})
	if doc := checkExport(t, out.SubjectAccessExport, id); doc.AuditLog[len(doc.AuditLog)-1].Operation != "subjectAccessExport" {
		t.Errorf("the first export was not audited: %+v", doc.AuditLog)
	}
	res := f.Admin(t, `{ subjectAccessExport(contactId: "00000000-0000-4000-8000-000000000000") }`, nil)
	if len(res.Errors) != 1 || res.Errors[0].Code() != "NOT_FOUND" {
		t.Errorf("export of an unknown contact: %+v, want NOT_FOUND", res.Errors)
	}
}

func TestExportCommandPrintsTheSubjectAccessExport(t *testing.T) {
	f := newFixture(t)
	id := erika(t, f)
	bin := apptest.Binary(t)
	env := append(os.Environ(), "DATABASE_URL="+f.DBURL, "VERMERK_SECRET_KEY="+f.Config.SecretKey,
		"VERMERK_ADMIN_TOKEN="+f.Config.AdminToken, "VERMERK_DATA_DIR="+t.TempDir())

	cmd := exec.Command(bin, "export", id)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("vermerk export: %v\n%s", err, stderr.String())
	}
	doc := checkExport(t, string(stdout), id)
	last := doc.AuditLog[len(doc.AuditLog)-1]
	if last.Operation == "subjectAccessExport" {
		t.Errorf("the export lists itself before it happened")
	}
	var actor string
	if err := queryRow(t, f.DBURL, `SELECT actor_name FROM audit_log WHERE operation = 'subjectAccessExport'`, &actor); err != nil ||
		!strings.HasPrefix(actor, "cli (") {
		t.Errorf("export audited as %q (err %v), want the CLI operator", actor, err)
	}

	cmd = exec.Command(bin, "export", "00000000-0000-4000-8000-000000000000")
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "no contact with id 00000000-0000-4000-8000-000000000000") {
		t.Errorf("export of an unknown id: err %v, output %s; want a failure naming the id", err, out)
	}
}

// What else is stored about Erika belongs in her export (Art. 15(1)): the sign-up she has
// not confirmed yet (her address in another spelling, her name, the IP address and browser
// the web form saw) and the requests she made (how they arrived, the note staff wrote). Otto's
// sign-up and request are not hers.
func TestSubjectAccessExportHoldsHerSignUpsAndRequests(t *testing.T) {
	f := newFixture(t)
	id := erika(t, f)
	otto := f.contact(t, "Otto", "Fremd")
	for _, email := range []string{"Erika.Mustermann+news@example.org", "otto.fremd@example.net"} {
		f.MustAdmin(t, &struct{}{}, `mutation($in: SignUpInput!) { signUp(input: $in) { id } }`, map[string]any{"in": map[string]any{
			"email": email, "givenName": "Erika", "familyName": "Mustermann", "purposeKey": "newsletter", "listKey": "news-de",
			"ip": "203.0.113.7", "userAgent": "Mozilla/5.0 (Fensterbrett)", "source": "web-form-footer"}})
	}
	for _, c := range []string{id, otto} {
		f.MustAdmin(t, &struct{}{}, `mutation($in: RequestInput!) { fileRequest(input: $in) { id } }`, map[string]any{"in": map[string]any{
			"kind": "RECTIFICATION", "contactId": c, "channel": "letter", "note": "street is Hauptstrasse 5, not 3 (" + c + ")"}})
	}
	var out struct{ SubjectAccessExport string }
	f.MustAdmin(t, &out, `query($id: ID!) { subjectAccessExport(contactId: $id) }`, map[string]any{"id": id})
	var doc struct {
		SignUps []struct {
			Email, Status, IP, UserAgent, Source, PurposeKey, ListKey string
			SignedUpAt, ExpiresAt                                     time.Time
		}
		Requests []struct {
			Kind, Status, Channel string
			Note                  *string
			ReceivedAt, DueAt     time.Time
		}
	}
	if err := json.Unmarshal([]byte(out.SubjectAccessExport), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.SignUps) != 1 || doc.SignUps[0].Email != "Erika.Mustermann+news@example.org" || doc.SignUps[0].IP != "203.0.113.7" ||
		doc.SignUps[0].UserAgent != "Mozilla/5.0 (Fensterbrett)" || doc.SignUps[0].PurposeKey != "newsletter" || doc.SignUps[0].ListKey != "news-de" ||
		doc.SignUps[0].Status != "PENDING" || doc.SignUps[0].ExpiresAt.IsZero() {
		t.Errorf("signUps = %+v; want her pending sign-up with the address, IP address and user agent kept", doc.SignUps)
	}
	if len(doc.Requests) != 1 || doc.Requests[0].Kind != "RECTIFICATION" || doc.Requests[0].Note == nil ||
		!strings.Contains(*doc.Requests[0].Note, id) || doc.Requests[0].Channel != "letter" || doc.Requests[0].DueAt.IsZero() {
		t.Errorf("requests = %+v; want her rectification request with its note", doc.Requests)
	}
	if strings.Contains(out.SubjectAccessExport, "otto") || strings.Contains(out.SubjectAccessExport, otto) {
		t.Errorf("the export holds Otto's sign-up or request:\n%s", out.SubjectAccessExport)
	}
}

// What is held about her beyond her records is hers to see too (Art. 15): the objection that
// blocks her, and the rows of an import file that wait for staff's decision because they
// matched it — here by her old e-mail, which staff took off her record after she objected (a
// row with an identifier on a record is a duplicate of it, not held). Otto's block and Paula's
// held row (she was erased) are not hers.
func TestSubjectAccessExportHoldsHerBlockAndHeldImportRows(t *testing.T) {
	f := newFixture(t)
	var created struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	her := map[string]any{"givenName": "Erika", "familyName": "Mustermann", "phones": []string{"+49 30 5550110"},
		"emails": []string{"erika.mustermann@example.org", "e.mustermann@example.net"}}
	f.MustAdmin(t, &created, `mutation($in: ContactInput!) { createContact(input: $in) { contact { id } } }`, map[string]any{"in": her})
	id := created.CreateContact.Contact.ID
	otto, paula := f.contact(t, "Otto", "Fremd"), f.contact(t, "Paula", "Probefrau")
	for c, reason := range map[string]string{id: "objection by letter", otto: "objection by telephone"} {
		f.MustAdmin(t, &struct{}{}, `mutation($id: ID!, $r: String!) { blacklistContact(contactId: $id, reason: $r) { id } }`,
			map[string]any{"id": c, "r": reason})
	}
	f.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { eraseContact(id: $id, reason: "as asked") { contactId } }`, map[string]any{"id": paula})
	her["emails"] = []string{"erika.mustermann@example.org"}
	var updated struct {
		UpdateContact struct{ Contact *struct{ Emails []string } }
	}
	f.MustAdmin(t, &updated, `mutation($id: ID!, $in: ContactInput!) { updateContact(id: $id, input: $in, override: {reason: "old address given up"}) { contact { emails } } }`,
		map[string]any{"id": id, "in": her})
	if updated.UpdateContact.Contact == nil || len(updated.UpdateContact.Contact.Emails) != 1 {
		t.Fatalf("her record after the update: %+v, want one e-mail", updated.UpdateContact.Contact)
	}
	file := "Vorname;Nachname;E-Mail;Telefon\r\nPaula;Probefrau;paula.probefrau@example.org;\r\nErika;M.;E.Mustermann@example.net;\r\n" +
		"Otto;Fremd;otto.fremd@example.org;\r\nErika;Mustermann;;030 5550110\r\n"
	if status := f.Import(t, "messe.csv", []byte(file)); status != "NEEDS_DECISION" {
		t.Fatalf("import: %s, want NEEDS_DECISION", status)
	}
	var out struct{ SubjectAccessExport string }
	f.MustAdmin(t, &out, `query($id: ID!) { subjectAccessExport(contactId: $id) }`, map[string]any{"id": id})
	var doc struct {
		BlockedBy []struct {
			Source, Reason string
			Restriction    bool
			By             []string
			Since          time.Time
		}
		HeldImportRows []struct {
			FileName, MatchedBy, Email, Phone, GivenName, FamilyName string
			Line                                                     int
			ImportedAt                                               time.Time
		}
	}
	if err := json.Unmarshal([]byte(out.SubjectAccessExport), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.BlockedBy) != 1 || doc.BlockedBy[0].Reason != "objection by letter" || doc.BlockedBy[0].Source != "MANUAL" ||
		doc.BlockedBy[0].Restriction || strings.Join(doc.BlockedBy[0].By, ",") != "EMAIL,PHONE,RECORD" || doc.BlockedBy[0].Since.IsZero() {
		t.Errorf("blockedBy = %+v; want her objection, by her e-mail, phone and record", doc.BlockedBy)
	}
	if len(doc.HeldImportRows) != 1 || doc.HeldImportRows[0].Line != 3 || doc.HeldImportRows[0].Email != "E.Mustermann@example.net" ||
		doc.HeldImportRows[0].MatchedBy != "EMAIL" || doc.HeldImportRows[0].FamilyName != "M." || doc.HeldImportRows[0].FileName != "messe.csv" ||
		doc.HeldImportRows[0].ImportedAt.IsZero() {
		t.Errorf("heldImportRows = %+v; want line 3 of messe.csv as entered", doc.HeldImportRows)
	}
	for _, other := range []string{"otto", "paula", "telephone"} {
		if strings.Contains(strings.ToLower(out.SubjectAccessExport), other) {
			t.Errorf("the export holds %q:\n%s", other, out.SubjectAccessExport)
		}
	}
}
