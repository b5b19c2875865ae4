package migrations_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
	"github.com/vermerk/vermerk/server/migrations"
)

// Migration 00058 writes the search texts of contacts written before it with a name of several
// words or with punctuation as store.SearchText derives them now (the name also without its
// separators, "o'brien obrien"), so that "obrien" finds O'Brien's record; a row of other names
// is left as it was (not rewritten), and held import rows are rewritten too. (It also indexes
// the audit rows of blacklist entries by entry, store.ScrubEntryReasons' read.)
func TestSearchJoinedNamesWritesTheNamesWithoutSeparators(t *testing.T) {
	ctx := context.Background()
	conn := pgtest.Connect(t, pgtest.NewDB(t))
	// as the server before 00058 wrote them: the names folded, separators kept
	if _, err := conn.Exec(ctx, `INSERT INTO contacts (given_name, family_name, city, street, postal_code, sort_key, search_text)
		VALUES ('Erika', 'O''Brien', 'Teststadt', 'Teststr. 1', '10115', 'o''brien erika ', 'erika o''brien teststadt'),
			('Jean-Testluc', 'Müller Testfrau', NULL, NULL, NULL, 'muller testfrau jean-testluc ', 'jean-testluc muller testfrau jean-testluc mueller testfrau'),
			('Erika', 'Mustermann', NULL, NULL, NULL, 'mustermann erika ', 'erika mustermann'),
			('Jürgen', 'Müller', NULL, NULL, NULL, 'muller jurgen ', 'jurgen muller juergen mueller')`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `WITH j AS (INSERT INTO import_jobs (id, status, file_name, file_size, spool_file, encoding, separator, unknown_columns, created_by_id, created_by_name)
			VALUES (gen_random_uuid(), 'DONE', 'test.csv', 1, '', 'UTF-8', ',', '{}', 'test', 'Test Staff') RETURNING id),
			e AS (INSERT INTO blacklist_entries (id, source, reason, key_id, identifier_kinds)
			VALUES (gen_random_uuid(), 'MANUAL', 'objection', 'k1', '{EMAIL}') RETURNING id)
		INSERT INTO import_held (job_id, line, field, entry_id, raw_email, raw_phone, given_name, family_name,
			emails, emails_norm, phones, sort_key, search_text, dedupe_keys)
		SELECT j.id, 2, 'EMAIL', e.id, 'x@example.org', '', 'Erika', 'O''Testbrien', '{}', '{}', '{}', 'o''testbrien erika ', 'erika o''testbrien', '{}' FROM j, e`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `DROP INDEX audit_log_entry_reasons`); err != nil { // as before 00058
		t.Fatal(err)
	}
	untouched := xmins(t, conn, `SELECT family_name, xmin::text FROM contacts WHERE family_name IN ('Mustermann', 'Müller')`)

	db := stdlib.OpenDB(*conn.Config())
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := migrations.SearchJoinedNamesUp(ctx, tx); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}

	rows, err := conn.Query(ctx, `SELECT given_name, family_name, coalesce(city, ''), search_text FROM contacts
		UNION ALL SELECT given_name, family_name, '', search_text FROM import_held`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var c screening.Contact
		var city, text string
		if err := rows.Scan(&c.GivenName, &c.FamilyName, &city, &text); err != nil {
			t.Fatal(err)
		}
		if city != "" {
			c.Address = &screening.Address{City: city}
		}
		if want := store.SearchText(c); text != want {
			t.Errorf("%s %s: search text %q after 00058, want %q", c.GivenName, c.FamilyName, text, want)
		}
	}
	rows.Close()
	for _, term := range []string{"%obrien%", "%mullertestfrau%", "%jeantestluc%", "%otestbrien%"} {
		var found int
		if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM contacts WHERE search_text LIKE $1)
			+ (SELECT count(*) FROM import_held WHERE search_text LIKE $1)`, term).Scan(&found); err != nil || found != 1 {
			t.Errorf("%s found after 00058: %d (%v), want 1", term, found, err)
		}
	}
	if after := xmins(t, conn, `SELECT family_name, xmin::text FROM contacts WHERE family_name IN ('Mustermann', 'Müller')`); after != untouched {
		t.Errorf("rows of names of one word rewritten by 00058: %s, before %s", after, untouched)
	}
}

// xmins are the (name, xmin) rows of query, in order: which transaction last wrote each.
func xmins(t *testing.T, conn *pgx.Conn, query string) string {
	t.Helper()
	var out string
	if err := conn.QueryRow(t.Context(), `SELECT string_agg(f || ':' || x, ' ' ORDER BY f) FROM (`+query+`) r(f, x)`).Scan(&out); err != nil {
		t.Fatal(err)
	}
	return out
}
