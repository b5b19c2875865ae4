package store_test

import (
	"strings"
	"testing"

	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/store"
)

// An erasure finds the person's held rows, also those held by her name and address, with
// index probes, not by reading every held row: an import may hold thousands, and the erasure
// holds the blacklist lock meanwhile.
func TestHeldRowsOfAPersonAreFoundByIndex(t *testing.T) {
	ctx := t.Context()
	conn := pgtest.Connect(t, pgtest.NewDB(t))
	var erika string
	if err := conn.QueryRow(ctx, `INSERT INTO contacts (given_name, family_name, street, postal_code, city, sort_key, search_text)
		VALUES ('Erika', 'Mustermann', 'Lindenstraße 12', '10115', 'Berlin', 'mustermann erika ', 'erika mustermann berlin')
		RETURNING id::text`).Scan(&erika); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO contact_emails (contact_id, position, address, normalized, hash, key_id)
		VALUES ($1, 0, 'erika.mustermann@example.test', 'erika.mustermann@example.test', sha256('x'), 'k1')`, erika); err != nil {
		t.Fatal(err)
	}
	// 50,000 other people's records, each with an e-mail and a phone
	pgtest.OtherPeople(t, conn, 50000)
	// 50,000 rows of other people, and one of hers by name and address only
	postal, street := "10115", "Lindenstr. 12"
	hers := store.HeldNameAddressKeys("Mustermann", "Erika", &postal, &street)
	if _, err := conn.Exec(ctx, `WITH j AS (INSERT INTO import_jobs (id, status, file_name, file_size, spool_file, encoding, separator, unknown_columns, created_by_id, created_by_name)
			VALUES (gen_random_uuid(), 'NEEDS_DECISION', 'test.csv', 1, '', 'UTF-8', ';', '{}', 'test', 'Test Staff') RETURNING id),
			e AS (INSERT INTO blacklist_entries (id, source, reason, key_id, identifier_kinds)
			VALUES (gen_random_uuid(), 'MANUAL', 'letter from the house', 'k1', '{NAME_AND_ADDRESS}') RETURNING id)
		INSERT INTO import_held (job_id, line, field, entry_id, raw_email, raw_phone, given_name, family_name, street, postal_code, city,
			emails, emails_norm, phones, sort_key, search_text, dedupe_keys, name_address_keys)
		SELECT j.id, i, 'NAME_AND_ADDRESS', e.id, '', '', 'Hans', 'Muster' || i, 'Weg ' || i, '20095', 'Hamburg',
			ARRAY['hans' || i || '@example.test'], ARRAY['hans' || i || '@example.test'], '{}', 'muster', 'hans muster',
			ARRAY['e:hans' || i || '@example.test'],
			CASE WHEN i = 50001 THEN $1::text[] ELSE ARRAY['muster' || i || '|hans|20095|weg' || i] END
		FROM j, e, generate_series(2, 50001) i`, hers); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `ANALYZE import_held, contact_emails, contact_phones`); err != nil {
		t.Fatal(err)
	}
	held, err := store.HeldOf(ctx, conn, []string{erika}, nil)
	if err != nil {
		t.Fatal(err)
	}
	plan := pgtest.Plan(t, conn, `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT line FROM import_held h WHERE `+store.HeldWhere, held.Args()...)
	if strings.Contains(plan, "Seq Scan") || !strings.Contains(plan, "import_held_name_address_keys") ||
		!strings.Contains(plan, "rows=1 ") {
		t.Errorf("her held rows are not found by index, or not found:\n%s", plan)
	}
}
