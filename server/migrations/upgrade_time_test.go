package migrations_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/pgtest"
)

// How long the migrations that read the whole registry (00036–00040, 00056) take on a database of
// VERMERK_MIGRATION_CONTACTS contacts (skipped without it), on a durable cluster of its own with
// the embedded server's settings (as `make run` and the bench start it). The registry is shaped
// as an office's after years of use: one person in twenty known by two records (a shared
// e-mail), half the records with a phone, a switchboard number on one record in a thousand,
// everyone on the newsletter list with consent, a tenth of them revoked since (a few on one
// record of two, which 00039 repairs), a third on a
// second list, one in a hundred unsubscribed through a list's link (its audit row) and one in a
// hundred blocked by an objection, one in ten thousand by a completed restriction request.
// Each migration's Up runs in its own transaction, as goose runs it at start-up, on the
// database migrated to the latest version with what the migration creates taken away first;
// the log says how long each took and how many rows it changed.
//
//	VERMERK_MIGRATION_CONTACTS=10000000 go test -run TestUpgradeRunTime -timeout 2h -v ./migrations/
func TestUpgradeRunTime(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("VERMERK_MIGRATION_CONTACTS"))
	if n <= 0 {
		t.Skip("set VERMERK_MIGRATION_CONTACTS to the number of contacts")
	}
	ctx := context.Background()
	url := pgtest.DurableDB(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.WithoutCancel(ctx)) })
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%.60s…: %v", q, err)
		}
	}
	t0 := time.Now()
	seedRegistry(t, ctx, conn, n)
	exec(`VACUUM ANALYZE`)
	exec(`CHECKPOINT`)
	t.Logf("seeded %d contacts in %s", n, time.Since(t0).Round(time.Second))
	var size string
	if err := conn.QueryRow(ctx, `SELECT pg_size_pretty(pg_database_size(current_database()))`).Scan(&size); err != nil {
		t.Fatal(err)
	}
	t.Logf("database size %s", size)

	for _, m := range []struct{ file, undo string }{
		{"00036_restriction_entries.sql", `ALTER TABLE blacklist_entries DROP COLUMN restriction`},
		{"00037_sign_up_limits.sql", `DROP TABLE sign_up_limits`},
		{"00038_mark_restriction_entries.sql", `UPDATE blacklist_entries SET restriction = false WHERE restriction`},
		{"00039_person_revocations_again.sql", ``},
		{"00040_list_departures.sql", `DROP TABLE list_departures`},
		{"00056_consent_moment.sql", ``},
	} {
		if m.undo != "" {
			exec(m.undo)
			exec(`VACUUM ANALYZE`)
			exec(`CHECKPOINT`)
		}
		var events, revoked, members, departures, marked int64
		counts := func() {
			if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM consent_events WHERE status = 'REVOKED'),
				(SELECT count(*) FROM list_members)`).Scan(&events, &revoked, &members); err != nil {
				t.Fatal(err)
			}
		}
		counts()
		e0, r0, m0 := events, revoked, members
		t1 := time.Now()
		if err := runUp(ctx, conn, m.file, "0"); err != nil {
			t.Fatalf("%s: %v", m.file, err)
		}
		took := time.Since(t1)
		counts()
		_ = conn.QueryRow(ctx, `SELECT count(*) FROM list_departures`).Scan(&departures)
		_ = conn.QueryRow(ctx, `SELECT count(*) FROM blacklist_entries WHERE restriction`).Scan(&marked)
		t.Logf("%s over %d contacts: %s (revocations added %d, events added %d, memberships ended %d; list departures %d, restriction entries %d)",
			m.file, n, took.Round(time.Millisecond), revoked-r0, events-e0, m0-members, departures, marked)
	}
}

// seedRegistry writes the registry TestUpgradeRunTime describes, in replica mode (no triggers
// or foreign key checks: it is consistent by construction), as the server before 00036–00040
// left it: its repairs have something to do where an earlier version recorded a "no" on one
// record only.
func seedRegistry(t *testing.T, ctx context.Context, conn *pgx.Conn, n int) {
	t.Helper()
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		for _, q := range []string{
			`SET LOCAL session_replication_role = replica`,
			`SET LOCAL maintenance_work_mem = '1GB'`,
			`INSERT INTO purposes (id, key, name, legal_basis) VALUES
				('00000000-0000-4000-8000-000000000001', 'newsletter', 'Newsletter', 'CONSENT'),
				('00000000-0000-4000-8000-000000000002', 'events', 'Events', 'CONSENT')`,
			`INSERT INTO distribution_lists (id, key, name, purpose_id) VALUES
				('00000000-0000-4000-8000-0000000000a1', 'news', 'News', '00000000-0000-4000-8000-000000000001'),
				('00000000-0000-4000-8000-0000000000a2', 'invitations', 'Invitations', '00000000-0000-4000-8000-000000000002')`,
			// i → its record's id; person(i): records 20k and 20k+1 are one person
			`CREATE FUNCTION pg_temp.cid(i int) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$ SELECT md5('contact-' || i)::uuid $$`,
			`CREATE FUNCTION pg_temp.person(i int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN i % 20 = 1 THEN i - 1 ELSE i END $$`,
			`INSERT INTO contacts (id, given_name, family_name, sort_key, search_text, created_at)
				SELECT pg_temp.cid(i), 'Erika', 'Testfrau ' || i, 'testfrau ' || i || ' erika ', 'erika testfrau ' || i,
					now() - interval '5 years' + i * interval '1 second'
				FROM generate_series(1, $1::int) i`,
			`INSERT INTO contact_emails (contact_id, position, address, normalized, hash, key_id)
				SELECT pg_temp.cid(i), 0, 'erika.' || pg_temp.person(i) || '@example.org', 'erika.' || pg_temp.person(i) || '@example.org',
					decode(md5('e' || pg_temp.person(i)) || md5('f' || pg_temp.person(i)), 'hex'), 'k1'
				FROM generate_series(1, $1::int) i`,
			`INSERT INTO contact_phones (contact_id, position, number)
				SELECT pg_temp.cid(i), 0, CASE WHEN i % 1000 = 7 THEN '+49305550000' ELSE '+4930' || (1000000 + pg_temp.person(i)) END
				FROM generate_series(1, $1::int) i WHERE i % 2 = 0 OR i % 20 = 1`,
			`INSERT INTO list_members (list_id, contact_id, added_at)
				SELECT '00000000-0000-4000-8000-0000000000a1', pg_temp.cid(i), now() - interval '4 years' FROM generate_series(1, $1::int) i
				WHERE NOT (i % 100 = 5 OR i % 400 = 1)`, // those who left it through its link (below)
			`INSERT INTO list_members (list_id, contact_id, added_at)
				SELECT '00000000-0000-4000-8000-0000000000a2', pg_temp.cid(i), now() - interval '4 years' FROM generate_series(1, $1::int) i WHERE i % 3 = 0`,
			// grants two years ago; one record in ten said no a year ago, and one in two hundred
			// of those known by two records (on that record only, as versions before the
			// person's revocation recorded it); the invitations for a third
			`INSERT INTO consent_events (contact_id, purpose_id, status, at, source, recorded_by, recorded_by_token)
				SELECT pg_temp.cid(i), p, s, at, 'web form', 'staff', 'token'
				FROM generate_series(1, $1::int) i,
				LATERAL (VALUES ('00000000-0000-4000-8000-000000000001'::uuid, 'GRANTED', now() - interval '2 years', true),
					('00000000-0000-4000-8000-000000000001', 'REVOKED', now() - interval '1 year', i % 10 = 3 OR i % 200 = 1),
					('00000000-0000-4000-8000-000000000002', 'GRANTED', now() - interval '2 years', i % 3 = 0)) AS e(p, s, at, yes)
				WHERE yes`,
			`INSERT INTO consent_state (contact_id, purpose_id, status, granted_at, revoked_at, last_event_id)
				SELECT DISTINCT ON (contact_id, purpose_id) contact_id, purpose_id, status,
					CASE WHEN status = 'GRANTED' THEN at END, CASE WHEN status = 'REVOKED' THEN at END, id
				FROM consent_events ORDER BY contact_id, purpose_id, id DESC`,
			// unsubscribed through the news list's link (the audit row is all older versions
			// kept), one in a hundred and one in four hundred of those known by two records
			`INSERT INTO audit_log (at, actor_id, actor_name, operation, target_id, contact_id, outcome)
				SELECT now() - interval '6 months', 'link', 'unsubscribe link', 'unsubscribe', '00000000-0000-4000-8000-0000000000a1', pg_temp.cid(i), 'ok'
				FROM generate_series(1, $1::int) i WHERE i % 100 = 5 OR i % 400 = 1`,
			// objections: a MANUAL entry per blocked person
			`INSERT INTO blacklist_entries (id, source, reason, key_id, identifier_kinds, created_at)
				SELECT md5('block-' || i)::uuid, 'MANUAL', 'objection by letter', 'k1', '{EMAIL}', now() - interval '3 months'
				FROM generate_series(1, $1::int) i WHERE i % 100 = 9`,
			// completed restriction requests, each with the entry that blocked its person and its audit row
			`INSERT INTO data_subject_requests (id, kind, status, contact_id, received_at, due_at, channel, closed_at, outcome, filed_by_id, filed_by_name, created_at)
				SELECT md5('request-' || i)::uuid, 'RESTRICTION', 'DONE', pg_temp.cid(i), now() - interval '61 days', now() - interval '31 days',
					'letter', now() - interval '59 days', 'restricted while accuracy is checked', 'staff', 'Staff', now() - interval '61 days'
				FROM generate_series(1, $1::int) i WHERE i % 10000 = 11`,
			`INSERT INTO blacklist_entries (id, source, reason, key_id, identifier_kinds, created_at)
				SELECT md5('restriction-' || i)::uuid, 'MANUAL', 'restricted while accuracy is checked', 'k1', '{EMAIL}', now() - interval '60 days'
				FROM generate_series(1, $1::int) i WHERE i % 10000 = 11`,
			`INSERT INTO audit_log (at, actor_id, actor_name, operation, target_id, contact_id, outcome)
				SELECT now() - interval '60 days', 'staff', 'Staff', 'blacklistContact', md5('restriction-' || i)::uuid::text, pg_temp.cid(i), 'ok'
				FROM generate_series(1, $1::int) i WHERE i % 10000 = 11`,
		} {
			if _, err := tx.Exec(ctx, strings.ReplaceAll(q, "$1::int", strconv.Itoa(n))); err != nil {
				t.Fatalf("%.60s…: %v", q, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
