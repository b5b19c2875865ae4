package migrations_test

import (
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/stdlib"

	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/store"
	"github.com/vermerk/vermerk/server/migrations"
)

// Rows an import held before 00042 have no name-and-address keys, so the erasure and the
// access export, which find a person's rows held by her name and address through those keys
// (store.HeldWhere), would not find them: 00042 writes them, folded as the importer folds
// them now. A row without a street keeps none.
func TestHeldNameAddressKeysAreWrittenForRowsHeldBefore(t *testing.T) {
	ctx := t.Context()
	conn := pgtest.Connect(t, pgtest.NewDB(t))
	// as the table was before 00042
	if _, err := conn.Exec(ctx, `ALTER TABLE import_held DROP COLUMN name_address_keys`); err != nil {
		t.Fatal(err)
	}
	var erika string
	if err := conn.QueryRow(ctx, `INSERT INTO contacts (given_name, family_name, street, postal_code, city, sort_key, search_text)
		VALUES ('Erika', 'Mustermann', 'Lindenstraße 12', '10115', 'Berlin', 'mustermann erika ', 'erika mustermann berlin')
		RETURNING id::text`).Scan(&erika); err != nil {
		t.Fatal(err)
	}
	// as the server before 00042 held them: line 2 by her name and address, line 3 without a street
	if _, err := conn.Exec(ctx, `WITH j AS (INSERT INTO import_jobs (id, status, file_name, file_size, spool_file, encoding, separator, unknown_columns, created_by_id, created_by_name)
			VALUES (gen_random_uuid(), 'NEEDS_DECISION', 'test.csv', 1, '', 'UTF-8', ';', '{}', 'test', 'Test Staff') RETURNING id),
			e AS (INSERT INTO blacklist_entries (id, source, reason, key_id, identifier_kinds)
			VALUES (gen_random_uuid(), 'MANUAL', 'letter from the house', 'k1', '{NAME_AND_ADDRESS}') RETURNING id)
		INSERT INTO import_held (job_id, line, field, entry_id, raw_email, raw_phone, given_name, family_name, street, postal_code, city,
			emails, emails_norm, phones, sort_key, search_text, dedupe_keys)
		SELECT j.id, l.line, 'NAME_AND_ADDRESS', e.id, '', '', 'ERIKA', 'MUSTERMANN', l.street, '10115', 'Berlin',
			'{}', '{}', '{}', 'mustermann erika ', 'erika mustermann berlin', '{}'
		FROM j, e, (VALUES (2, 'Lindenstr. 12'), (3, NULL)) AS l(line, street)`); err != nil {
		t.Fatal(err)
	}

	db := stdlib.OpenDB(*conn.Config())
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := migrations.HeldNameAddressKeysUp(ctx, tx); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}

	street := "Lindenstr. 12"
	postal := "10115"
	var keys2, keys3 []string
	if err := conn.QueryRow(ctx, `SELECT (SELECT name_address_keys FROM import_held WHERE line = 2),
		(SELECT name_address_keys FROM import_held WHERE line = 3)`).Scan(&keys2, &keys3); err != nil {
		t.Fatal(err)
	}
	if want := store.HeldNameAddressKeys("MUSTERMANN", "ERIKA", &postal, &street); !slices.Equal(keys2, want) || len(keys3) != 0 {
		t.Errorf("keys after 00042: line 2 %q, line 3 %q; want %q and none", keys2, keys3, want)
	}
	held, err := store.HeldOf(ctx, conn, []string{erika}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var lines []int
	if err := conn.QueryRow(ctx, `SELECT coalesce(array_agg(line ORDER BY line), '{}') FROM import_held h WHERE `+store.HeldWhere,
		held.Args()...).Scan(&lines); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(lines, []int{2}) {
		t.Errorf("her held rows after 00042: lines %v, want [2]", lines)
	}
}
