package blacklist

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// The keyed hashes beside each contact e-mail and phone (contact_emails.hash and
// contact_phones.hash, migration 00011) are what recipients and Contact.blocked compare with
// blacklist_hashes. They are made with the keyring's current key; a row without one, or with
// a rotated-out key, is brought up to date by HashIdentifiers.

// identifierTables are the tables with an identifier and its hash: table, the column holding
// the normalised identifier, and its kind.
var identifierTables = []struct {
	table, column string
	kind          screening.Kind
}{
	{"contact_emails", "normalized", screening.KindEmail},
	{"contact_phones", "number", screening.KindPhone},
}

// hashBatch is how many identifier rows HashIdentifiers reads and writes at once when it
// brings a whole table up to date.
const hashBatch = 5000

// HashIdentifiers gives every e-mail and phone of the contacts ids (of all contacts when ids
// is nil) its keyed hash under the keyring's current key, where it lacks one. Rotation keeps
// the blacklist working: when a row's identifier matches an active entry under an older key
// (whose clear identifiers are gone), the entry gets the current-key hash of the same
// identifier too, so the anti-join on the current key still finds it. It returns the number of
// rows hashed.
func HashIdentifiers(ctx context.Context, tx store.Querier, keyring *screening.Keyring, ids []string) (int, error) {
	n := 0
	for _, t := range identifierTables {
		for {
			done, err := hashTable(ctx, tx, keyring, t.table, t.column, t.kind, ids)
			n += done
			if err != nil {
				return n, fmt.Errorf("blacklist.HashIdentifiers(%s): %w", t.table, err)
			}
			if done < hashBatch {
				break
			}
		}
	}
	return n, nil
}

// HashAllIdentifiers is HashIdentifiers for all contacts, one transaction per batch, so a
// server starting on a large database is not one long transaction. It is run at startup.
func HashAllIdentifiers(ctx context.Context, db *store.DB, keyring *screening.Keyring) (int, error) {
	n := 0
	for _, t := range identifierTables {
		for {
			var done int
			err := db.Transact(ctx, func(tx pgx.Tx) error {
				var err error
				done, err = hashTable(ctx, tx, keyring, t.table, t.column, t.kind, nil)
				return err
			})
			n += done
			if err != nil {
				return n, fmt.Errorf("blacklist.HashAllIdentifiers(%s): %w", t.table, err)
			}
			if done < hashBatch {
				break
			}
		}
	}
	return n, nil
}

// hashTable hashes up to hashBatch rows of table that lack a current-key hash.
func hashTable(ctx context.Context, q store.Querier, keyring *screening.Keyring, table, column string, kind screening.Kind, ids []string) (int, error) {
	cur := keyring.Current().ID
	// by contact id for a write, else (at startup) every row not hashed under the current key
	sql := `SELECT contact_id, position, ` + column + ` FROM ` + table + `
		WHERE contact_id = ANY($2::uuid[]) AND key_id IS DISTINCT FROM $1 LIMIT $3 FOR UPDATE`
	args := []any{cur, ids, hashBatch}
	if ids == nil {
		sql = `SELECT contact_id, position, ` + column + ` FROM ` + table + `
			WHERE key_id IS DISTINCT FROM $1 LIMIT $2 FOR UPDATE`
		args = []any{cur, hashBatch}
	}
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return 0, err
	}
	var (
		contactIDs     []string
		positions      []int32
		hashes         [][]byte
		olds, promoted [][]byte // a hash under an older key and the current-key hash of the same identifier
	)
	for rows.Next() {
		var (
			id   string
			pos  int32
			norm string
		)
		if err := rows.Scan(&id, &pos, &norm); err != nil {
			rows.Close()
			return 0, err
		}
		all := keyring.HashAll(kind, norm)
		contactIDs, positions, hashes = append(contactIDs, id), append(positions, pos), append(hashes, all[0].Hash)
		for _, old := range all[1:] {
			olds, promoted = append(olds, old.Hash), append(promoted, all[0].Hash)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(contactIDs) == 0 {
		return 0, nil
	}
	if len(olds) > 0 {
		if _, err := q.Exec(ctx, `INSERT INTO blacklist_hashes (entry_id, kind, key_id, hash)
			SELECT h.entry_id, h.kind, $3, t.cur
			FROM unnest($1::bytea[], $2::bytea[]) AS t(old, cur)
			JOIN blacklist_hashes h ON h.hash = t.old
			JOIN blacklist_entries e ON e.id = h.entry_id AND e.removed_at IS NULL
			ON CONFLICT DO NOTHING`, olds, promoted, cur); err != nil {
			return 0, fmt.Errorf("carry entries over to the current key: %w", err)
		}
	}
	if _, err := q.Exec(ctx, `UPDATE `+table+` t SET hash = u.hash, key_id = $4
		FROM unnest($1::uuid[], $2::int[], $3::bytea[]) AS u(contact_id, position, hash)
		WHERE t.contact_id = u.contact_id AND t.position = u.position`, contactIDs, positions, hashes, cur); err != nil {
		return 0, err
	}
	return len(contactIDs), nil
}

// HashContacts is HashIdentifiers with the service's keyring, for the contacts written in q's
// transaction (contacts.Screener).
func (s *Service) HashContacts(ctx context.Context, q store.Querier, ids []string) error {
	_, err := HashIdentifiers(ctx, q, s.keyring, ids)
	return err
}
