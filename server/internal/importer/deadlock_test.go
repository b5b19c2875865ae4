package importer_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/pgtest"
)

// An import batch deadlocks with a revocation of Erika Testfrau's "no" that is under way: the
// batch has locked her record B (its line 2 gives B a consent to events) and waits for her
// record A (line 4), which the revocation locked first and holds while it waits for B, as
// revokeConsent locks the record named and then her other records. The interleaving is forced:
// Max Mustermann's record C (line 3), locked by another test transaction, stops the batch
// between B and A until the revocation waits for B; the revocation's session has a deadlock
// timeout of an hour, so the batch's backend is the one that finds the deadlock and is aborted.
// The batch is written again once the revocation committed: the job is DONE, every row
// counted once, each consent recorded once, her "no" holds, and the problems are listed once.
func TestABatchAbortedByADeadlockIsWrittenAgain(t *testing.T) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "events", name: "Veranstaltungen", legalBasis: CONSENT}) { id } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news-de", name: "Newsletter Deutschland", purposeKey: "newsletter"}) { id } }`, nil)
	create := func(given, family, email string) string {
		var out struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		s.MustAdmin(t, &out, `mutation($g: String!, $f: String!, $e: String!) { createContact(input: {givenName: $g, familyName: $f, emails: [$e], phones: ["+49 30 1234567"]}) { contact { id } } }`,
			map[string]any{"g": given, "f": family, "e": email})
		return out.CreateContact.Contact.ID
	}
	// A and B share her phone: one person. C is Max's record; his phone differs.
	a := create("Erika", "Testfrau", "erika.testfrau@example.test")
	b := create("Erika", "Testfrau", "e.t@marketing.example.test")
	var max struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	s.MustAdmin(t, &max, `mutation { createContact(input: {givenName: "Max", familyName: "Mustermann", emails: ["max.mustermann@example.test"]}) { contact { id } } }`, nil)
	c := max.CreateContact.Contact.ID
	s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { revokeConsent(input: {contactId: $c, purposeKey: "newsletter", channel: "phone"}) { id } }`,
		map[string]any{"c": a})

	ctx := t.Context()
	watch, holdMax, revocation := s.Conn(t), s.Conn(t), s.Conn(t)
	lock := func(conn *pgx.Conn, id string) error {
		_, err := conn.Exec(ctx, `SELECT FROM contacts WHERE id = $1 FOR NO KEY UPDATE`, id)
		return err
	}
	for _, sql := range []string{`BEGIN`, `SET LOCAL deadlock_timeout = '1h'`} {
		if _, err := revocation.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	if err := lock(revocation, a); err != nil {
		t.Fatal(err)
	}
	if _, err := holdMax.Exec(ctx, `BEGIN`); err != nil {
		t.Fatal(err)
	}
	if err := lock(holdMax, c); err != nil {
		t.Fatal(err)
	}

	lastMonth := time.Now().AddDate(0, -1, 0).UTC().Format("02.01.2006")
	file := "Vorname;Nachname;E-Mail;Einwilligung;Einwilligungsdatum\r\n" +
		"Erika;Testfrau;e.t@marketing.example.test;events;" + lastMonth + "\r\n" + // line 2: B, granted
		"Max;Mustermann;max.mustermann@example.test;newsletter;" + lastMonth + "\r\n" + // 3: C, granted
		"Erika;Testfrau;erika.testfrau@example.test;newsletter;" + lastMonth + "\r\n" + // 4: A, not: her no is newer
		"Nina;Neumann;nina.neumann@example.test;newsletter;" + lastMonth + "\r\n" + // 5, 6: new
		"Otto;Neumann;otto.neumann@example.test;newsletter;" + lastMonth + "\r\n" +
		"Ida;Ohneat;ida.example.test;;\r\n" + // 7 to 9: invalid
		"Ute;Ohneat;ute.example.test;;\r\n" +
		"Eva;Ohneat;eva.example.test;;\r\n"
	var started struct{ StartImport job }
	upload(t, s.URL, apptest.AdminToken, startImport, map[string]any{"list": "news-de"}, "messe.csv", []byte(file)).Decode(t, &started)
	pgtest.WaitForWaiters(t, watch, 1, pgtest.RowLocks) // the batch locked B and waits for C
	revoked := make(chan error, 1)
	go func() { revoked <- lock(revocation, b) }()
	pgtest.WaitForWaiters(t, watch, 2, pgtest.RowLocks) // the revocation waits for B
	if _, err := holdMax.Exec(ctx, `ROLLBACK`); err != nil {
		t.Fatal(err)
	}
	// the batch takes C and waits for A: a deadlock, which the batch's backend finds
	if err := <-revoked; err != nil {
		t.Fatalf("the revocation was aborted, want the batch aborted: %v", err)
	}
	if _, err := revocation.Exec(ctx, `COMMIT`); err != nil {
		t.Fatal(err)
	}

	j := waitJob(t, s, started.StartImport.ID)
	if j.Status != "DONE" || j.Processed != 8 || j.Inserted != 2 || j.Duplicates != 3 || j.Invalid != 3 || j.Held != 0 {
		msg := ""
		if j.Message != nil {
			msg = *j.Message
		}
		t.Fatalf("job %s: %d processed, %d inserted, %d duplicates, %d invalid, %d held (%q); want DONE: 8, 2, 3, 3, 0",
			j.Status, j.Processed, j.Inserted, j.Duplicates, j.Invalid, j.Held, msg)
	}
	var problems []string
	for _, p := range j.Problems {
		problems = append(problems, fmt.Sprintf("%d %s", p.Line, p.Code))
	}
	if want := []string{"4 CONSENT_REVOKED_LATER", "7 EMAIL_NO_AT", "8 EMAIL_NO_AT", "9 EMAIL_NO_AT"}; !slices.Equal(problems, want) {
		t.Errorf("problems %v, want %v", problems, want)
	}
	count := func(sql string, args ...any) int { return queryInt(t, s.DBURL, sql, args...) }
	for _, email := range []string{"nina.neumann@example.test", "otto.neumann@example.test"} {
		if n := count(`SELECT count(*) FROM contact_emails WHERE normalized = $1`, email); n != 1 {
			t.Errorf("records with %s: %d, want 1", email, n)
		}
	}
	imported := func(key string) (ids []string) {
		if err := watch.QueryRow(ctx, `SELECT coalesce(array_agg(e.contact_id::text ORDER BY e.contact_id::text), '{}')
			FROM consent_events e JOIN purposes p ON p.id = e.purpose_id WHERE e.source = 'import' AND p.key = $1`, key).Scan(&ids); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	if got := imported("events"); !slices.Equal(got, []string{b}) {
		t.Errorf("imported consents to events on %v, want one, on B %s", got, b)
	}
	if got := imported("newsletter"); len(got) != 3 || !slices.Contains(got, c) || slices.Contains(got, a) || slices.Contains(got, b) {
		t.Errorf("imported consents to the newsletter on %v, want one each on C %s and the two new records", got, c)
	}
	for _, id := range []string{a, b} {
		if n := count(`SELECT count(*) FROM consent_state s JOIN purposes p ON p.id = s.purpose_id
			WHERE s.contact_id = $1 AND p.key = 'newsletter' AND s.status = 'REVOKED'`, id); n != 1 {
			t.Errorf("her record %s is not revoked for the newsletter", id)
		}
	}
}
