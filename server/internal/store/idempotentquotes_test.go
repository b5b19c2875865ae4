package store_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/idempotency"
	"github.com/vermerk/vermerk/server/internal/apptest"
)

// An import job's answer quotes its file: the held rows (names, e-mails, phones), the
// problems, the file name and the unknown columns. None of that names a contact id, so
// forgetting kept answers with an erased contact does not reach it. These are its other ways
// out of the registry.
const decideQuoting = `mutation($job: ID!, $line: Int!) { decideImportRow(jobId: $job, line: $line, accept: false) {
	id fileName unknownColumns heldRows { line row { givenName familyName email } } problems { line message } } }`

// keptQuoting is the number of kept answers that hold text.
func keptQuoting(t *testing.T, s *apptest.Server, text string) int {
	t.Helper()
	var n int
	if err := s.Conn(t).QueryRow(context.Background(), `SELECT count(*) FROM idempotent_requests
		WHERE response IS NOT NULL AND position($1 IN convert_from(response, 'UTF8')) > 0`, text).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// heldJob imports file as admin, wants it to wait for decisions and returns its id.
func heldJob(t *testing.T, s *apptest.Server, name string, file string) string {
	t.Helper()
	if status := s.Import(t, name, []byte(file)); status != "NEEDS_DECISION" {
		t.Fatalf("the import of %s: %s, want NEEDS_DECISION", name, status)
	}
	var jobs struct{ ImportJobs []struct{ ID string } }
	s.MustAdmin(t, &jobs, `query { importJobs(first: 1) { id } }`, nil)
	return jobs.ImportJobs[0].ID
}

// A held row dropped is deleted with everything it quoted (README, "Importing address
// lists"): so is a kept answer that quoted it, and the decision sent again hears that it was
// carried out.
func TestAKeptAnswerGoesWithTheHeldRowItQuotes(t *testing.T) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { blacklistAdd(candidate: {emails: ["max.quoted@example.test", "erika.quoted@example.test"]}, reason: "asked by phone") { id } }`, nil)
	job := heldJob(t, s, "messe.csv", "Vorname;Nachname;E-Mail\nMax;Zitatmann;max.quoted@example.test\nErika;Zitatfrau;erika.quoted@example.test\n")

	first := post(t, s, apptest.AdminToken, "decide-quoting", decideQuoting, map[string]any{"job": job, "line": 2})
	if errs := first.result(t).Errors; len(errs) != 0 || !strings.Contains(string(first.body), "erika.quoted@example.test") {
		t.Fatalf("deciding line 2: %s; want an answer quoting the row still held (line 3)", first.body)
	}
	if n := keptQuoting(t, s, "erika.quoted@example.test"); n != 1 {
		t.Fatalf("kept answers quoting line 3 while it is held: %d, want 1", n)
	}

	post(t, s, apptest.AdminToken, "", decideQuoting, map[string]any{"job": job, "line": 3})
	if n := keptQuoting(t, s, "erika.quoted@example.test"); n != 0 {
		t.Errorf("line 3 dropped: %d kept answers still quote it, want none", n)
	}
	again := post(t, s, apptest.AdminToken, "decide-quoting", decideQuoting, map[string]any{"job": job, "line": 2})
	if reason, _ := reasonOf(t, again); reason != "ALREADY_CARRIED_OUT" {
		t.Errorf("the first decision sent again: %s, want ALREADY_CARRIED_OUT", again.body)
	}
	if strings.Contains(string(again.body), "Zitatfrau") {
		t.Errorf("the answer sent again quotes the dropped row: %s", again.body)
	}
}

// Erasing a person drops her held rows and renames a file that names her: the kept answers
// that quoted either go with them.
func TestAKeptAnswerQuotingAnImportGoesWithTheErasedPerson(t *testing.T) {
	s := apptest.Start(t)
	var max, her struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	s.MustAdmin(t, &max, `mutation { createContact(input: {givenName: "Max", familyName: "Zitatmann", emails: ["max.zitat@example.test"]}) { contact { id } } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { eraseContact(id: $id, reason: "Art. 17 request") { contactId } }`, map[string]any{"id": max.CreateContact.Contact.ID})
	s.MustAdmin(t, &her, `mutation { createContact(input: {givenName: "Erika", familyName: "Zitatfrau", emails: ["erika.zitat@example.test"],
		address: {street: "Lindenstraße 12", postalCode: "10115", city: "Berlin"}}) { contact { id } } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation { blacklistAdd(candidate: {givenName: "Erika", familyName: "Zitatfrau",
		address: {street: "Lindenstraße 12", postalCode: "10115", city: "Berlin"}}, reason: "letter from the house") { id } }`, nil)

	// one import's file is named after her, another holds a row held by her name and address
	const startQuoting = `mutation($file: Upload!) { startImport(file: $file) { id fileName } }`
	const fileName = "Kontakte Erika Zitatfrau.csv"
	named := []byte("Vorname;Nachname;E-Mail\nMoritz;Beispiel;moritz.zitat@example.test\n")
	if status := s.AwaitImport(t, postUpload(t, s, apptest.AdminToken, "start-quoting", startQuoting, nil, fileName, named).jobID(t)); status != "DONE" {
		t.Fatalf("the import named after her: %s, want DONE", status)
	}
	job := heldJob(t, s, "messe.csv", "Vorname;Nachname;E-Mail;Straße;PLZ;Ort\nMax;Zitatmann;max.zitat@example.test;;;\nErika;Zitatfrau;erika.brief@example.test;Lindenstraße 12;10115;Berlin\n")
	decided := post(t, s, apptest.AdminToken, "decide-erased", decideQuoting, map[string]any{"job": job, "line": 2})
	if !strings.Contains(string(decided.body), "erika.brief@example.test") {
		t.Fatalf("deciding line 2: %s; want an answer quoting her held row (line 3)", decided.body)
	}
	if n := keptQuoting(t, s, "Zitatfrau"); n != 2 {
		t.Fatalf("kept answers naming her before the erasure: %d, want 2 (the start's file name, the decision's held row)", n)
	}

	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { eraseContact(id: $id, reason: "Art. 17 request") { contactId } }`, map[string]any{"id": her.CreateContact.Contact.ID})
	for _, text := range []string{"Zitatfrau", "erika.brief@example.test"} {
		if n := keptQuoting(t, s, text); n != 0 {
			t.Errorf("after her erasure %d kept answers still hold %q, want none", n, text)
		}
	}
	for key, again := range map[string]answer{
		"start-quoting": postUpload(t, s, apptest.AdminToken, "start-quoting", startQuoting, nil, fileName, named),
		"decide-erased": post(t, s, apptest.AdminToken, "decide-erased", decideQuoting, map[string]any{"job": job, "line": 2}),
	} {
		if strings.Contains(string(again.body), "Zitatfrau") {
			t.Errorf("%s sent again after her erasure names her: %s", key, again.body)
		}
		if reason, _ := reasonOf(t, again); reason != "ALREADY_CARRIED_OUT" {
			t.Errorf("%s sent again after her erasure: %s, want ALREADY_CARRIED_OUT", key, again.body)
		}
	}
}

// An answer read just before a row it quotes is dropped comes to be kept after the drop has
// forgotten what was kept: it is not kept then (store.Idempotency.Keep compares what the job
// had dropped when the answer read it).
func TestAnAnswerReadBeforeARowItQuotesIsDroppedIsNotKept(t *testing.T) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { blacklistAdd(candidate: {emails: ["max.late@example.test", "erika.late@example.test"]}, reason: "asked by phone") { id } }`, nil)
	job := heldJob(t, s, "messe.csv", "Vorname;Nachname;E-Mail\nMax;Spaetmann;max.late@example.test\nErika;Spaetfrau;erika.late@example.test\n")
	conn := s.Conn(t)
	ctx := context.Background()

	for _, drop := range []bool{false, true} {
		key := fmt.Sprintf("read-before-%v", drop)
		claim := &idempotency.Claim{Caller: "a-token", Key: key, Digest: sha256.Sum256([]byte(key))}
		kctx := idempotency.With(ctx, claim)
		if err := s.App.DB.Transact(kctx, func(pgx.Tx) error { return nil }); err != nil || !claim.Held() {
			t.Fatalf("claiming %s: %v, held %v", key, err, claim.Held())
		}
		var dropped int64
		if err := conn.QueryRow(ctx, `SELECT quotes_dropped FROM import_jobs WHERE id = $1`, job).Scan(&dropped); err != nil {
			t.Fatal(err)
		}
		claim.Quotes(idempotency.Quote{Of: idempotency.ImportFile, ID: job}, dropped) // the answer reads the job, and line 3 with it
		if drop {
			if _, err := conn.Exec(ctx, `DELETE FROM import_held WHERE job_id = $1 AND line = 3`, job); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.App.Keys.Keep(kctx, claim, []byte(`{"data":{"decideImportRow":{"id":"`+job+`","heldRows":[{"line":3,"row":{"familyName":"Spaetfrau"}}]}}}`)); err != nil {
			t.Fatal(err)
		}
		var kept, answered bool
		if err := conn.QueryRow(ctx, `SELECT response IS NOT NULL, answered_at IS NOT NULL FROM idempotent_requests WHERE key = $1`, key).Scan(&kept, &answered); err != nil {
			t.Fatal(err)
		}
		if kept == drop || !answered {
			t.Errorf("line 3 dropped between reading and keeping: %v; answer kept %v, answered %v; want kept %v, answered", drop, kept, answered, !drop)
		}
	}
}

// An answer may show a person without any id of hers: her contact asked for by name and
// e-mail only, a request's note that names her. It goes with her all the same.
func TestAKeptAnswerWithoutHerIdGoesWithHer(t *testing.T) {
	s := apptest.Start(t)
	const createNoID = `mutation($in: ContactInput!) { createContact(input: $in) { contact { familyName emails } } }`
	in := map[string]any{"in": map[string]any{"givenName": "Erika", "familyName": "Ohnefrau", "emails": []string{"erika.ohne@example.test"}}}
	first := post(t, s, apptest.AdminToken, "create-no-id", createNoID, in)
	if !strings.Contains(string(first.body), "Ohnefrau") || strings.Contains(string(first.body), `"id"`) {
		t.Fatalf("createContact: %s; want her name and no id", first.body)
	}
	var id string
	if err := s.Conn(t).QueryRow(context.Background(), `SELECT contact_id::text FROM contact_emails WHERE normalized = 'erika.ohne@example.test'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	const fileNoID = `mutation($in: RequestInput!) { fileRequest(input: $in) { kind note channel } }`
	loose := map[string]any{"in": map[string]any{"kind": "ACCESS", "channel": "phone", "note": "Rückruf an Erika Ohnefrau, erika.ohne@example.test"}}
	if a := post(t, s, apptest.AdminToken, "file-loose", fileNoID, loose); !strings.Contains(string(a.body), "Ohnefrau") {
		t.Fatalf("fileRequest without a contact: %s; want her name in the note", a.body)
	}
	if n := keptQuoting(t, s, "Ohnefrau"); n != 2 {
		t.Fatalf("kept answers naming her before the erasure: %d, want 2", n)
	}

	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { eraseContact(id: $id, reason: "Art. 17 request") { contactId } }`, map[string]any{"id": id})
	if n := keptQuoting(t, s, "Ohnefrau"); n != 0 {
		t.Errorf("after her erasure %d kept answers still name her, want none", n)
	}
	for key, again := range map[string]answer{
		"create-no-id": post(t, s, apptest.AdminToken, "create-no-id", createNoID, in),
		"file-loose":   post(t, s, apptest.AdminToken, "file-loose", fileNoID, loose),
	} {
		if strings.Contains(string(again.body), "Ohnefrau") {
			t.Errorf("%s sent again after her erasure names her: %s", key, again.body)
		}
		if reason, _ := reasonOf(t, again); reason != "ALREADY_CARRIED_OUT" {
			t.Errorf("%s sent again after her erasure: %s, want ALREADY_CARRIED_OUT", key, again.body)
		}
	}
	if n := recordsWith(t, s, "erika.ohne@example.test"); n != 0 {
		t.Errorf("sent again after her erasure, createContact wrote %d records", n)
	}
}
