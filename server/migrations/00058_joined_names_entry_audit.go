package migrations

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3"

	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// searchJoinedNames (00058) writes the search texts of contacts and held import rows as
// store.SearchText derives them now: a given or family name of several words or with
// punctuation is also written without them ("o'brien obrien"), so the record of "OBrien" finds
// the record of "O'Brien" at her address as a look-alike (store.LookAlikes reads candidates by
// the trigram index of search_text), as the record of "O'Brien" found the other. Only a name
// holding something other than an ASCII letter or digit can change, and only the rows whose
// text changes are rewritten, batch by batch along the primary key as 00034 does.
//
// It also indexes the audit rows of adding and ending a blacklist entry by the entry
// (audit_log_entry_reasons): when a record joins a person, store.ScrubEntryReasons reads the
// reasons of her entries' rows, which may quote the record now. Only those rows pay for it.
var searchJoinedNames = goose.NewGoMigration(58, &goose.GoFunc{RunTx: searchJoinedNamesUp}, &goose.GoFunc{RunTx: searchJoinedNamesDown})

// separatedNames selects the rows whose search texts may change.
const separatedNames = `(given_name ~ '[^A-Za-z0-9]' OR family_name ~ '[^A-Za-z0-9]')`

// searchJoinedBatch reads the contacts of a batch after the id $1 (as sortFoldBatch).
const searchJoinedBatch = `SELECT key, family_name, given_name, organization, city, search_text, changes FROM (
		SELECT *, lead(key) OVER (ORDER BY id) IS NULL AS last FROM (
			SELECT id, id::text AS key, ` + folded + `, search_text, ` + separatedNames + ` AS changes
			FROM contacts WHERE id > $1::uuid ORDER BY id LIMIT 5000) batch) b
	WHERE changes OR last`

func searchJoinedNamesUp(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `CREATE INDEX audit_log_entry_reasons ON audit_log (target_id)
		WHERE reason IS NOT NULL AND operation IN ('blacklistAdd', 'blacklistContact', 'blacklistRemove')`); err != nil {
		return err
	}
	after := "00000000-0000-0000-0000-000000000000"
	for {
		k, err := searchTexts(ctx, tx, searchJoinedBatch, after)
		if err != nil {
			return err
		}
		if k.last == "" {
			break
		}
		if len(k.rows) > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE contacts c SET search_text = k.search_text
				FROM unnest($1::uuid[], $2::text[]) AS k(id, search_text) WHERE c.id = k.id`, k.rows, k.searchTexts); err != nil {
				return err
			}
		}
		after = k.last
	}
	// held rows are few (they expire with their job): at once, by job and line
	k, err := searchTexts(ctx, tx, `SELECT job_id::text || ' ' || line, `+folded+`, search_text, true
		FROM import_held WHERE `+separatedNames)
	if err != nil || len(k.rows) == 0 {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE import_held h SET search_text = k.search_text
		FROM unnest($1::text[], $2::text[]) AS k(row, search_text) WHERE h.job_id::text || ' ' || h.line = k.row`,
		k.rows, k.searchTexts)
	return err
}

// searchTexts runs query (with args) for rows of a row key, family name, given name,
// organisation, city, search text and whether it may change, and returns the row keys whose
// search text store.SearchText derives otherwise, with that text.
func searchTexts(ctx context.Context, tx *sql.Tx, query string, args ...any) (k refolded, err error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return k, err
	}
	defer rows.Close()
	for rows.Next() {
		var key, city, text string
		var c screening.Contact
		var changes bool
		if err := rows.Scan(&key, &c.FamilyName, &c.GivenName, &c.Organization, &city, &text, &changes); err != nil {
			return k, err
		}
		if k.last = key; !changes {
			continue
		}
		if city != "" {
			c.Address = &screening.Address{City: city}
		}
		if now := store.SearchText(c); now != text {
			k.rows = append(k.rows, key)
			k.searchTexts = append(k.searchTexts, now)
		}
	}
	return k, rows.Err()
}

// searchJoinedNamesDown drops the index and leaves the texts: a name written twice finds what it
// found before.
func searchJoinedNamesDown(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `DROP INDEX audit_log_entry_reasons`)
	return err
}
