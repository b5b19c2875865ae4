package migrations_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
	"github.com/vermerk/vermerk/server/migrations"
)

// Names starting with an umlaut sorted after Z: the sort key was the lower-cased name, and the
// embedded database compares bytes. Migration 00034 writes the keys as store.SortKey derives
// them now, so Ärger sorts with the A's and Özdemir with the O's, for contacts written before
// it and held import rows alike; keys of plain ASCII names are left as they were.
func TestSortFoldPutsUmlautsWithTheirLetters(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.NewDB(t)
	conn := pgtest.Connect(t, dbURL)
	names := []string{"Zuse", "Ärger", "Otto", "Özdemir", "Meyer", "Müller", "Mustermann", "Łukasiewicz", "Żak"}
	// as the server before 00034 wrote them
	if _, err := conn.Exec(ctx, `INSERT INTO contacts (given_name, family_name, sort_key, search_text)
		SELECT 'Erika', n, lower(n) || ' erika ', lower('erika ' || n) FROM unnest($1::text[]) n`, names); err != nil {
		t.Fatal(err)
	}
	heldAerger(t, conn)
	// as the columns were before 00034
	if _, err := conn.Exec(ctx, `ALTER TABLE contacts ALTER COLUMN sort_key TYPE text COLLATE "default";
		ALTER TABLE import_held ALTER COLUMN sort_key TYPE text COLLATE "default"`); err != nil {
		t.Fatal(err)
	}
	var before []string
	var file uint32
	if err := conn.QueryRow(ctx, `SELECT array_agg(family_name ORDER BY sort_key, id), pg_relation_filenode('contacts') FROM contacts`).Scan(&before, &file); err != nil {
		t.Fatal(err)
	}
	sortFoldUp(t, conn)
	var after []string
	var fileAfter uint32
	var collation string
	if err := conn.QueryRow(ctx, `SELECT array_agg(family_name ORDER BY sort_key, id), pg_relation_filenode('contacts'),
			(SELECT collation_name FROM information_schema.columns WHERE table_name = 'contacts' AND column_name = 'sort_key')
		FROM contacts`).Scan(&after, &fileAfter, &collation); err != nil {
		t.Fatal(err)
	}
	// a new collation of the column rebuilds contacts_sort, not the table: an upgrade of a
	// large database rewrites only the rows whose key changes
	if fileAfter != file || collation != "C" {
		t.Errorf("00034: contacts' file %d → %d, sort_key's collation %q; want the table kept and C", file, fileAfter, collation)
	}
	want := []string{"Ärger", "Łukasiewicz", "Meyer", "Müller", "Mustermann", "Otto", "Özdemir", "Żak", "Zuse"}
	if !slices.Equal(after, want) {
		t.Errorf("contacts in name order after 00034: %v (before: %v), want %v", after, before, want)
	}
	rows, err := conn.Query(ctx, `SELECT family_name, sort_key, search_text FROM contacts
		UNION ALL SELECT family_name, sort_key, search_text FROM import_held`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var family, key, text string
		if err := rows.Scan(&family, &key, &text); err != nil {
			t.Fatal(err)
		}
		if want := store.SortKey(family, "Erika", ""); key != want {
			t.Errorf("%s: sort key %q after 00034, want %q", family, key, want)
		}
		if want := store.SearchText(screening.Contact{GivenName: "Erika", FamilyName: family}); text != want {
			t.Errorf("%s: search text %q after 00034, want %q", family, text, want)
		}
	}
	var found int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM contacts WHERE search_text LIKE '%mueller%' AND search_text LIKE '%muller%'`).Scan(&found); err != nil || found != 1 {
		t.Errorf("Müller found as mueller and as muller after 00034: %d (%v), want 1", found, err)
	}
}

// Migration 00034 runs at start, inside the migration's transaction, with contacts locked: it
// must read each contact about once, however many batches it takes. Its batch query ordered
// by the id's text (the output column id::text was named id, and ORDER BY id took it), so
// every batch read and sorted all the contacts after it: quadratic, hours at ten million
// contacts. Each batch now walks the primary key for its 5,000 rows, whatever the planner
// makes of the filter; and the held rows are rewritten also when no contact needed it (the
// loop returned before them when a batch found no contact to rewrite).
func TestSortFoldWalksThePrimaryKeyOnce(t *testing.T) {
	ctx := context.Background()
	conn := pgtest.Connect(t, pgtest.NewDB(t))
	const n = 40_000 // a third with umlauts, as the server before 00034 wrote them
	if _, err := conn.Exec(ctx, `INSERT INTO contacts (given_name, family_name, sort_key, search_text)
		SELECT 'Jürgen', f, lower(f || ' Jürgen '), lower('Jürgen ' || f)
		FROM generate_series(1, $1::int) i, LATERAL (SELECT CASE WHEN i % 3 = 0 THEN 'Müller ' ELSE 'Mustermann ' END || i f) x`, n); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `ANALYZE contacts`); err != nil {
		t.Fatal(err)
	}
	var mid string
	if err := conn.QueryRow(ctx, `SELECT id::text FROM contacts ORDER BY id OFFSET $1 LIMIT 1`, n/2).Scan(&mid); err != nil {
		t.Fatal(err)
	}
	plan := pgtest.Plan(t, conn, `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) `+migrations.SortFoldBatch, mid)
	if !strings.Contains(plan, "Index Scan using contacts_pkey") || strings.Contains(plan, "Sort") || strings.Contains(plan, "Seq Scan") {
		t.Errorf("a batch of 00034 does not walk the primary key:\n%s", plan)
	}

	// no contact to rewrite, one held row: it is rewritten
	if _, err := conn.Exec(ctx, `UPDATE contacts SET family_name = 'Mustermann', sort_key = 'mustermann jurgen ', search_text = 'jurgen mustermann'`); err != nil {
		t.Fatal(err)
	}
	heldAerger(t, conn)
	sortFoldUp(t, conn)
	var key string
	if err := conn.QueryRow(ctx, `SELECT sort_key FROM import_held`).Scan(&key); err != nil || key != store.SortKey("Ärger", "Erika", "") {
		t.Errorf("held row's sort key after 00034: %q (%v), want %q", key, err, store.SortKey("Ärger", "Erika", ""))
	}
}

// sortFoldUp runs migration 00034's Up again on conn's database, migrated already, in one
// transaction as goose does.
func sortFoldUp(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	db := stdlib.OpenDB(*conn.Config())
	defer db.Close()
	tx, err := db.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := migrations.SortFoldUp(t.Context(), tx); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// heldAerger holds an import row of Erika Ärger (job, blacklist entry and all) with the keys
// the server wrote before 00034.
func heldAerger(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	if _, err := conn.Exec(t.Context(), `WITH j AS (INSERT INTO import_jobs (id, status, file_name, file_size, spool_file, encoding, separator, unknown_columns, created_by_id, created_by_name)
			VALUES (gen_random_uuid(), 'DONE', 'test.csv', 1, '', 'UTF-8', ',', '{}', 'test', 'Test Staff') RETURNING id),
			e AS (INSERT INTO blacklist_entries (id, source, reason, key_id, identifier_kinds)
			VALUES (gen_random_uuid(), 'MANUAL', 'objection', 'k1', '{EMAIL}') RETURNING id)
		INSERT INTO import_held (job_id, line, field, entry_id, raw_email, raw_phone, given_name, family_name,
			emails, emails_norm, phones, sort_key, search_text, dedupe_keys)
		SELECT j.id, 2, 'EMAIL', e.id, 'x@example.org', '', 'Erika', 'Ärger', '{}', '{}', '{}', 'ärger erika ', 'erika ärger', '{}' FROM j, e`); err != nil {
		t.Fatal(err)
	}
}
