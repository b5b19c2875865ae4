package migrations_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// Revocations recorded before a revocation was the person's left her other records granted:
// Erika Testfrau said no on marketing's record while sales' record (her e-mail spelled
// otherwise, granted earlier) kept mailing her. Migration 00032 gives that record her
// revocation; a grant given after her "no", and someone else, keep theirs.
func TestMigrationGivesThePersonsRecordsHerRevocation(t *testing.T) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news", name: "News", purposeKey: "newsletter"}) { id } }`, nil)
	mk := func(email string) string {
		var out struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		s.MustAdmin(t, &out, `mutation($e: String!) { createContact(input: {givenName: "Erika", familyName: "Testfrau", emails: [$e]}) { contact { id } } }`,
			map[string]any{"e": email})
		s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { addToList(contactId: $c, listKey: "news") { id } }`, map[string]any{"c": out.CreateContact.Contact.ID})
		return out.CreateContact.Contact.ID
	}
	marketing := mk("erika.testfrau@example.org")
	sales := mk("Erika.Testfrau+shop@example.org")
	later := mk("ERIKA.TESTFRAU@example.org")
	other := mk("max.testmann@example.org")
	ctx := context.Background()
	conn := s.Conn(t)
	now := time.Now()
	// as an older server recorded them: each on its own record only
	recordAsBefore(t, conn, []oldEvent{{sales, "GRANTED", now.Add(-3 * time.Hour)}, {other, "GRANTED", now.Add(-3 * time.Hour)},
		{marketing, "REVOKED", now.Add(-2 * time.Hour)}, {later, "GRANTED", now.Add(-time.Hour)}})
	cursor := s.Cursor(t)
	if err := runUp(ctx, conn, "00032_person_revocations.sql", "0"); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{marketing: "REVOKED", sales: "REVOKED", later: "GRANTED", other: "GRANTED"} {
		var status string
		if err := conn.QueryRow(ctx, `SELECT status FROM consent_state WHERE contact_id = $1`, id).Scan(&status); err != nil || status != want {
			t.Errorf("record %s: %s (%v), want %s", id, status, err, want)
		}
	}
	var evidence string
	var givenAt time.Time
	if err := conn.QueryRow(ctx, `SELECT evidence, given_at FROM consent_events WHERE contact_id = $1 AND status = 'REVOKED'`, sales).
		Scan(&evidence, &givenAt); err != nil || evidence != "revoked on record "+marketing+" of the same person (a shared e-mail or phone)" ||
		!givenAt.Equal(now.Add(-2*time.Hour).Truncate(time.Microsecond)) {
		t.Errorf("sales' inherited revocation: %q at %v (%v), want it to name %s, dated when she said no", evidence, givenAt, err, marketing)
	}
	var events int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM events WHERE kind = 'CONSENT_REVOKED' AND contact_id = $1 AND id > $2::text::bigint`,
		sales, cursor).Scan(&events); err != nil || events != 1 {
		t.Errorf("CONSENT_REVOKED events for the sales record: %d (%v), want 1", events, err)
	}
}

// An office's switchboard number on a thousand records, two hundred of which revoked, is no
// one person (more than 200 records share it): the migration leaves those records as they are
// and walks none of them, where it walked the thousand once per revocation (a thousand
// neighbours of each of a thousand records: two hundred million rows, an upgrade that did not
// end). A person of two records elsewhere still gets her revocation in the same run.
func TestMigrationDoesNotWalkASwitchboardNumber(t *testing.T) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	ctx := context.Background()
	conn := s.Conn(t)
	if _, err := conn.Exec(ctx, `WITH c AS (
			INSERT INTO contacts (given_name, family_name, sort_key, search_text)
			SELECT 'Test', 'Zentrale ' || g, 'zentrale ' || g, '' FROM generate_series(1, 1000) g RETURNING id),
		p AS (INSERT INTO contact_phones (contact_id, position, number) SELECT id, 0, '+49305550100' FROM c)
		INSERT INTO consent_events (contact_id, purpose_id, status, at, source, recorded_by, recorded_by_token)
		SELECT c.id, pu.id, s.status, now() - s.ago, 'letter', 'Test Staff', 'token-1'
		FROM (SELECT id, row_number() OVER (ORDER BY id) n FROM c) c, purposes pu,
			LATERAL (VALUES ('GRANTED', interval '3 hours'), ('REVOKED', interval '2 hours')) s(status, ago)
		WHERE s.status = 'GRANTED' OR c.n <= 200`); err != nil {
		t.Fatal(err)
	}
	mk := func(email string) string {
		var out struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		s.MustAdmin(t, &out, `mutation($e: String!) { createContact(input: {givenName: "Erika", familyName: "Testfrau", emails: [$e]}) { contact { id } } }`,
			map[string]any{"e": email})
		return out.CreateContact.Contact.ID
	}
	marketing, sales := mk("erika.testfrau@example.org"), mk("Erika.Testfrau+shop@example.org")
	for _, e := range []struct {
		id, status string
		ago        time.Duration
	}{{sales, "GRANTED", 3 * time.Hour}, {marketing, "REVOKED", 2 * time.Hour}} {
		if _, err := conn.Exec(ctx, `INSERT INTO consent_events (contact_id, purpose_id, status, at, source, recorded_by, recorded_by_token)
			SELECT $1, id, $2, now() - $3::interval, 'letter', 'Test Staff', 'token-1' FROM purposes`, e.id, e.status, e.ago); err != nil {
			t.Fatal(err)
		}
	}
	// The fixed migration takes well under a second here; the one that walked took minutes.
	if err := runUp(ctx, conn, "00032_person_revocations.sql", "30s"); err != nil {
		t.Fatalf("migration 00032 over a switchboard number on 1000 records: %v", err)
	}
	var granted, salesStatus string
	if err := conn.QueryRow(ctx, `SELECT count(*) FILTER (WHERE s.status = 'GRANTED')::text,
			(SELECT status FROM consent_state WHERE contact_id = $1)
		FROM consent_state s JOIN contact_phones p ON p.contact_id = s.contact_id AND p.number = '+49305550100'`, sales).
		Scan(&granted, &salesStatus); err != nil {
		t.Fatal(err)
	}
	if granted != "800" || salesStatus != "REVOKED" {
		t.Errorf("after the migration: %s switchboard records granted, the sales record %s; want 800 (left as they were) and REVOKED", granted, salesStatus)
	}
}

// A merge (before this version) gave the survivor the phone of sales' records without applying
// her revocation to the one left unmerged, which shared it from then on: that record kept its
// older grant and stayed a recipient. Migration 00039 repeats 00032's repair for what was
// recorded since: the record takes on her revocation; someone else keeps theirs.
func TestMigration00039GivesARecordAMergeJoinedHerRevocation(t *testing.T) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	mk := func(in map[string]any) string {
		in["givenName"], in["familyName"] = "Erika", "Testfrau"
		var out struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		s.MustAdmin(t, &out, `mutation($in: ContactInput!) { createContact(input: $in) { contact { id } } }`, map[string]any{"in": in})
		return out.CreateContact.Contact.ID
	}
	// the survivor of the merge: her e-mail, and the phone it took over from sales' merged record
	survivor := mk(map[string]any{"emails": []string{"erika.testfrau@example.org"}, "phones": []string{"+49 30 12345673"}})
	unmerged := mk(map[string]any{"phones": []string{"030 1234567-3"}})
	other := mk(map[string]any{"emails": []string{"max.testmann@example.org"}})
	ctx := context.Background()
	conn := s.Conn(t)
	now := time.Now()
	recordAsBefore(t, conn, []oldEvent{{survivor, "GRANTED", now.Add(-4 * time.Hour)}, {unmerged, "GRANTED", now.Add(-3 * time.Hour)},
		{other, "GRANTED", now.Add(-3 * time.Hour)}, {survivor, "REVOKED", now.Add(-2 * time.Hour)}})
	var before string
	if err := conn.QueryRow(ctx, `SELECT status FROM consent_state WHERE contact_id = $1`, unmerged).Scan(&before); err != nil || before != "GRANTED" {
		t.Fatalf("before the migration the unmerged record is %s (%v), want GRANTED as the old merge left it", before, err)
	}
	cursor := s.Cursor(t)
	if err := runUp(ctx, conn, "00039_person_revocations_again.sql", "0"); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{survivor: "REVOKED", unmerged: "REVOKED", other: "GRANTED"} {
		var status string
		if err := conn.QueryRow(ctx, `SELECT status FROM consent_state WHERE contact_id = $1`, id).Scan(&status); err != nil || status != want {
			t.Errorf("record %s: %s (%v), want %s", id, status, err, want)
		}
	}
	var events int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM events WHERE kind = 'CONSENT_REVOKED' AND id > $1::text::bigint`, cursor).
		Scan(&events); err != nil || events != 1 {
		t.Errorf("CONSENT_REVOKED events: %d (%v), want 1, for the record %s", events, err, unmerged)
	}
}

// runUp runs the Up section of a SQL migration file again in one transaction, as goose does,
// on a database migrated already; timeout is its statement_timeout ("0": none).
// oldEvent is a consent event of every purpose for one record, as an older server recorded it.
type oldEvent struct {
	id, status string
	at         time.Time
}

// recordAsBefore writes events as an older server did: each on its own record only.
func recordAsBefore(t *testing.T, conn *pgx.Conn, events []oldEvent) {
	t.Helper()
	for _, e := range events {
		if _, err := conn.Exec(t.Context(), `INSERT INTO consent_events (contact_id, purpose_id, status, at, source, recorded_by, recorded_by_token)
			SELECT $1, id, $2, $3, 'letter', 'Test Staff', 'token-1' FROM purposes`, e.id, e.status, e.at); err != nil {
			t.Fatal(err)
		}
	}
}

func runUp(ctx context.Context, conn *pgx.Conn, file, timeout string) error {
	text, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	up, _, _ := strings.Cut(string(text), "-- +goose Down")
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('statement_timeout', $1, true)`, timeout); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, up)
		return err
	})
}
