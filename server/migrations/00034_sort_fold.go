package migrations

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3"

	"github.com/vermerk/vermerk/server/internal/store"
)

// sortFold (00034) writes the sort keys of contacts and held import rows as store.SortKey now
// derives them: a letter with a diacritic sorts as its base letter ("Ärger" with "Arger"), where
// before it sorted after Z in a database of the C collation, the embedded one's. The key is
// derived in Go, its one definition, so this migration is Go: only keys holding a byte outside
// ASCII can change, and only those rows are rewritten. The columns become COLLATE "C": the key
// is compared byte by byte whatever the database's collation, which also spares a database in
// a language's collation that collation's comparisons on every insert into contacts_sort.
var sortFold = goose.NewGoMigration(34, &goose.GoFunc{RunTx: sortFoldUp}, &goose.GoFunc{RunTx: sortFoldDown})

// outsideASCII selects the sort keys that may change.
const outsideASCII = `sort_key ~ '[^\x01-\x7f]'`

func sortFoldUp(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `ALTER TABLE contacts ALTER COLUMN sort_key TYPE text COLLATE "C";
		ALTER TABLE import_held ALTER COLUMN sort_key TYPE text COLLATE "C"`); err != nil {
		return err
	}
	// Contacts in batches along the primary key.
	after := "00000000-0000-0000-0000-000000000000"
	for {
		ids, keys, err := refold(ctx, tx, `SELECT id::text, family_name, given_name, coalesce(organization, '') FROM contacts
			WHERE id > $1::uuid AND `+outsideASCII+` ORDER BY id LIMIT 5000`, after)
		if err != nil || len(ids) == 0 {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE contacts c SET sort_key = k.sort_key
			FROM unnest($1::uuid[], $2::text[]) AS k(id, sort_key) WHERE c.id = k.id`, ids, keys); err != nil {
			return err
		}
		if len(ids) < 5000 {
			break
		}
		after = ids[len(ids)-1]
	}
	// Held rows are few (they expire with their job): at once, by job and line.
	ids, keys, err := refold(ctx, tx, `SELECT job_id::text || ' ' || line, family_name, given_name, coalesce(organization, '')
		FROM import_held WHERE $1 = '' AND `+outsideASCII, "")
	if err != nil || len(ids) == 0 {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE import_held h SET sort_key = k.sort_key
		FROM unnest($1::text[], $2::text[]) AS k(row, sort_key) WHERE h.job_id::text || ' ' || h.line = k.row`, ids, keys)
	return err
}

// refold runs query (with arg) for rows of a row key, family name, given name and
// organisation, and returns the row keys with their sort keys as store.SortKey derives them.
func refold(ctx context.Context, tx *sql.Tx, query, arg string) (rowKeys, sortKeys []string, err error) {
	rows, err := tx.QueryContext(ctx, query, arg)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var key, family, given, org string
		if err := rows.Scan(&key, &family, &given, &org); err != nil {
			return nil, nil, err
		}
		rowKeys, sortKeys = append(rowKeys, key), append(sortKeys, store.SortKey(family, given, org))
	}
	return rowKeys, sortKeys, rows.Err()
}

// sortFoldDown gives the columns the database's collation back; the keys stay folded, which
// sorts as well in it.
func sortFoldDown(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `ALTER TABLE contacts ALTER COLUMN sort_key TYPE text COLLATE "default";
		ALTER TABLE import_held ALTER COLUMN sort_key TYPE text COLLATE "default"`)
	return err
}
