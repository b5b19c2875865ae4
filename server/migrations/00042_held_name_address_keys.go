package migrations

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3"

	"github.com/vermerk/vermerk/server/internal/store"
)

// heldNameAddressKeys (00042) gives held import rows the keys of their name and postal address
// (store.HeldNameAddressKeys), so that an erasure and an access export find a person's rows
// held by her name and address with an index probe (store.HeldWhere). They are a column of
// their own, not more dedupe_keys: those also make a later row of the file a duplicate, and a
// name and address do not. The keys are folded in Go, their one definition, so this migration
// is Go: it writes them for the rows held before it. Held rows are few (they expire with their
// job): at once.
var heldNameAddressKeys = goose.NewGoMigration(42, &goose.GoFunc{RunTx: heldNameAddressKeysUp}, &goose.GoFunc{RunTx: heldNameAddressKeysDown})

func heldNameAddressKeysUp(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `ALTER TABLE import_held ADD COLUMN name_address_keys text[] NOT NULL DEFAULT '{}';
		CREATE INDEX import_held_name_address_keys ON import_held USING gin (name_address_keys)`); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT job_id::text, line, family_name, given_name, postal_code, street
		FROM import_held WHERE postal_code IS NOT NULL AND street IS NOT NULL`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var jobs, keys []string
	var lines []int
	for rows.Next() {
		var job, family, given, postalCode, street string
		var line int
		if err := rows.Scan(&job, &line, &family, &given, &postalCode, &street); err != nil {
			return err
		}
		// one key per row of the unnest: a row's keys are aggregated again below
		for _, k := range store.HeldNameAddressKeys(family, given, &postalCode, &street) {
			jobs, lines, keys = append(jobs, job), append(lines, line), append(keys, k)
		}
	}
	if err := rows.Err(); err != nil || len(keys) == 0 {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE import_held h SET name_address_keys = k.keys
		FROM (SELECT job_id, line, array_agg(key ORDER BY ord) AS keys
			FROM unnest($1::uuid[], $2::int[], $3::text[]) WITH ORDINALITY AS k(job_id, line, key, ord) GROUP BY job_id, line) k
		WHERE h.job_id = k.job_id AND h.line = k.line`, jobs, lines, keys)
	return err
}

func heldNameAddressKeysDown(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `ALTER TABLE import_held DROP COLUMN name_address_keys`)
	return err
}
