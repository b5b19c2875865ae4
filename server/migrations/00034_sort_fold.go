package migrations

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3"

	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// sortFold (00034) writes the sort keys and search texts of contacts and held import rows as
// store.SortKey and store.SearchText derive them now: a letter with a diacritic sorts as its
// base letter ("Ärger" with "Arger", where before it sorted after Z in a database of the C
// collation, the embedded one's), and "Muller" and "Mueller" find Frau Müller. Both are derived
// in Go, their one definition, so this migration is Go: only texts holding a byte outside
// ASCII can change, and only those rows are rewritten. sort_key becomes COLLATE "C": it is
// compared byte by byte whatever the database's collation, which also spares a database in a
// language's collation that collation's comparisons on every insert into contacts_sort.
var sortFold = goose.NewGoMigration(34, &goose.GoFunc{RunTx: sortFoldUp}, &goose.GoFunc{RunTx: sortFoldDown})

// outsideASCII selects the rows whose keys may change.
const outsideASCII = `(sort_key ~ '[^\x01-\x7f]' OR search_text ~ '[^\x01-\x7f]')`

// folded are the columns the keys are derived from, as refold scans them.
const folded = `family_name, given_name, coalesce(organization, '') AS organization, coalesce(city, '') AS city`

func sortFoldUp(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `ALTER TABLE contacts ALTER COLUMN sort_key TYPE text COLLATE "C";
		ALTER TABLE import_held ALTER COLUMN sort_key TYPE text COLLATE "C"`); err != nil {
		return err
	}
	if err := sortFoldContacts(ctx, tx); err != nil {
		return err
	}
	return sortFoldHeld(ctx, tx)
}

// sortFoldBatch reads the contacts of a batch after the id $1 (see sortFoldContacts).
const sortFoldBatch = `SELECT key, family_name, given_name, organization, city, changes FROM (
		SELECT *, lead(key) OVER (ORDER BY id) IS NULL AS last FROM (
			SELECT id, id::text AS key, ` + folded + `, ` + outsideASCII + ` AS changes
			FROM contacts WHERE id > $1::uuid ORDER BY id LIMIT 5000) batch) b
	WHERE changes OR last`

// sortFoldContacts writes the keys of contacts in batches along the primary key: each batch
// the next 5,000 ids in order (a LIMIT the filter cannot be pushed into, so the primary key is
// walked whatever the planner makes of the filter and each contact is read once), of which
// the rows outside ASCII, and the batch's last row to go on after.
func sortFoldContacts(ctx context.Context, tx *sql.Tx) error {
	after := "00000000-0000-0000-0000-000000000000"
	for {
		k, err := refold(ctx, tx, sortFoldBatch, after)
		if err != nil || k.last == "" {
			return err
		}
		if len(k.rows) > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE contacts c SET sort_key = k.sort_key, search_text = k.search_text
				FROM unnest($1::uuid[], $2::text[], $3::text[]) AS k(id, sort_key, search_text) WHERE c.id = k.id`,
				k.rows, k.sortKeys, k.searchTexts); err != nil {
				return err
			}
		}
		after = k.last
	}
}

// sortFoldHeld writes the keys of held import rows. They are few (they expire with their
// job): at once, by job and line.
func sortFoldHeld(ctx context.Context, tx *sql.Tx) error {
	k, err := refold(ctx, tx, `SELECT job_id::text || ' ' || line, `+folded+`, true
		FROM import_held WHERE `+outsideASCII)
	if err != nil || len(k.rows) == 0 {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE import_held h SET sort_key = k.sort_key, search_text = k.search_text
		FROM unnest($1::text[], $2::text[], $3::text[]) AS k(row, sort_key, search_text) WHERE h.job_id::text || ' ' || h.line = k.row`,
		k.rows, k.sortKeys, k.searchTexts)
	return err
}

// refolded are the rows whose keys change, with their new keys, and the last row key read.
type refolded struct {
	rows, sortKeys, searchTexts []string
	last                        string
}

// refold runs query (with args) for rows of a row key, family name, given name, organisation,
// city and whether the keys may change, and returns the row keys of those that may with their
// keys as store derives them.
func refold(ctx context.Context, tx *sql.Tx, query string, args ...any) (k refolded, err error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return k, err
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		var c screening.Contact
		var city string
		var changes bool
		if err := rows.Scan(&key, &c.FamilyName, &c.GivenName, &c.Organization, &city, &changes); err != nil {
			return k, err
		}
		if k.last = key; !changes {
			continue
		}
		if city != "" {
			c.Address = &screening.Address{City: city}
		}
		k.rows = append(k.rows, key)
		k.sortKeys = append(k.sortKeys, store.SortKey(c.FamilyName, c.GivenName, c.Organization))
		k.searchTexts = append(k.searchTexts, store.SearchText(c))
	}
	return k, rows.Err()
}

// sortFoldDown gives the columns the database's collation back; the keys stay folded, which
// sorts as well in it, and a search finds what it found before and more.
func sortFoldDown(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `ALTER TABLE contacts ALTER COLUMN sort_key TYPE text COLLATE "default";
		ALTER TABLE import_held ALTER COLUMN sort_key TYPE text COLLATE "default"`)
	return err
}
