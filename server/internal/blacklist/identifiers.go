package blacklist

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/periodic"
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

// HashIdentifiers gives every e-mail and phone of the contacts ids its keyed hash under the
// keyring's current key, where it lacks one, in q's transaction (the rows a writer stored with
// that hash already are left as they are). Rotation keeps the blacklist
// working: when a row's identifier matches an active entry under an older key (whose clear
// identifiers are gone), the entry gets the current-key hash of the same identifier too, so
// the anti-join on the current key still finds it. It returns the number of rows hashed.
func HashIdentifiers(ctx context.Context, q store.Querier, keyring *screening.Keyring, ids []string) (int, error) {
	n := 0
	for _, t := range identifierTables {
		done, _, err := hashTable(ctx, q, keyring, t.table, t.column, t.kind, ids, nil, nil)
		n += done
		if err != nil {
			return n, fmt.Errorf("blacklist.HashIdentifiers(%s): %w", t.table, err)
		}
	}
	return n, nil
}

// HashAllIdentifiers is HashIdentifiers for every contact: one pass over each table in
// primary-key order, one transaction per batch, so a server starting on a large database is
// not one long transaction. It is run at startup, before serving.
//
// It refuses (an error naming the key ids, before it changes a batch that holds one) to hash
// again an identifier hashed under a key the keyring does not have, unless that key's id is
// in lost: such a row was written by an instance with another VERMERK_SECRET_KEY, and hashing
// it under a mistyped key would make it match no blacklist entry made with the right one.
func HashAllIdentifiers(ctx context.Context, db *store.DB, keyring *screening.Keyring, lost []string) (int, error) {
	n := 0
	for _, t := range identifierTables {
		after := &rowKey{contactID: store.BeforeAllIDs, position: -1}
		for after != nil {
			var done int
			err := db.Transact(ctx, func(tx pgx.Tx) error {
				if err := lockSharedLost(ctx, tx, keyring, lost); err != nil { // before the row locks
					return err
				}
				var err error
				done, after, err = hashTable(ctx, tx, keyring, t.table, t.column, t.kind, nil, after, lost)
				return err
			})
			n += done
			if errors.Is(err, ErrOtherCurrentKey) {
				return n, err // for the operator: what to do, not where it was found
			}
			if err != nil {
				return n, fmt.Errorf("blacklist.HashAllIdentifiers(%s): %w", t.table, err)
			}
		}
	}
	return n, nil
}

// HashUnhashed hashes the identifier rows some writer left without a hash (every write path
// of this server hashes in its own transaction; this catches any other, e.g. an instance of an
// older version during an upgrade, whose contacts recipients leaves out until then). Rows
// locked by a transaction in flight are left to it.
func HashUnhashed(ctx context.Context, db *store.DB, keyring *screening.Keyring) (int, error) {
	n := 0
	for _, t := range identifierTables {
		for {
			var done int
			err := db.Transact(ctx, func(tx pgx.Tx) error {
				if err := LockShared(ctx, tx, keyring); err != nil { // before the row locks
					return err
				}
				var err error
				done, _, err = hashTable(ctx, tx, keyring, t.table, t.column, t.kind, nil, nil, nil)
				return err
			})
			n += done
			if err != nil {
				return n, fmt.Errorf("blacklist.HashUnhashed(%s): %w", t.table, err)
			}
			if done < hashBatch {
				break
			}
		}
	}
	return n, nil
}

// SweepUnhashed runs HashUnhashed at once and then every interval until ctx ends, logging
// what it hashed.
func SweepUnhashed(ctx context.Context, db *store.DB, keyring *screening.Keyring, interval time.Duration, log *slog.Logger) {
	periodic.Run(ctx, interval, func(ctx context.Context) {
		n, err := HashUnhashed(ctx, db, keyring)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("hashing contact identifiers written without a hash", "err", err)
		case n > 0:
			log.Warn("hashed contact identifiers some writer left without a hash", "rows", n)
		}
	})
}

// rowKey is the primary key of an identifier row: where a pass over a table goes on.
type rowKey struct {
	contactID string
	position  int32
}

// hashTable hashes up to hashBatch rows of table that lack a current-key hash: rows of the
// contacts ids; or (ids nil) the rows after the key after, in key order, returning where to
// go on (nil at the end of the table); or (both nil) rows without any hash. In the pass in
// key order it fails, changing nothing, when a row was hashed under a key that neither the
// keyring has nor lost names (see HashAllIdentifiers).
func hashTable(ctx context.Context, q store.Querier, keyring *screening.Keyring, table, column string, kind screening.Kind,
	ids []string, after *rowKey, lost []string) (int, *rowKey, error) {
	cur := keyring.Current().ID
	// the contacts ids: every row, also those written with the current key's hash already (as
	// the writers do), for the carry-over below
	sql := `SELECT contact_id, position, ` + column + `, key_id FROM ` + table + `
		WHERE contact_id = ANY($1::uuid[]) FOR UPDATE`
	args := []any{ids}
	switch {
	case ids == nil && after == nil: // the sweep: rows written without a hash (partial index *_unhashed)
		sql = `SELECT contact_id, position, ` + column + `, key_id FROM ` + table + `
			WHERE key_id IS NULL LIMIT $1 FOR UPDATE SKIP LOCKED`
		args = []any{hashBatch}
	case ids == nil:
		sql = `SELECT contact_id, position, ` + column + `, key_id FROM ` + table + `
			WHERE (contact_id, position) > ($2::uuid, $3) AND key_id IS DISTINCT FROM $1
			ORDER BY contact_id, position LIMIT $4 FOR UPDATE`
		args = []any{cur, after.contactID, after.position, hashBatch}
	}
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return 0, nil, err
	}
	var (
		examined       int
		last           rowKey
		contactIDs     []string // the rows to update: without the current key's hash
		positions      []int32
		hashes         [][]byte
		olds, promoted [][]byte // a hash under an older key and the current-key hash of the same identifier
		carried        []string // the identifiers of promoted, in clear
	)
	for rows.Next() {
		var (
			id    string
			pos   int32
			norm  string
			keyID *string
		)
		if err := rows.Scan(&id, &pos, &norm, &keyID); err != nil {
			rows.Close()
			return 0, nil, err
		}
		examined, last = examined+1, rowKey{contactID: id, position: pos}
		if after != nil && keyID != nil && !keyring.Has(*keyID) && !slices.Contains(lost, *keyID) {
			rows.Close()
			return 0, nil, unknownKeys(ctx, q, keyring, lost, table)
		}
		all := keyring.HashAll(kind, norm)
		if keyID == nil || *keyID != cur {
			contactIDs, positions, hashes = append(contactIDs, id), append(positions, pos), append(hashes, all[0].Hash)
		}
		for _, old := range all[1:] {
			olds, promoted = append(olds, old.Hash), append(promoted, all[0].Hash)
		}
		if len(all) > 1 {
			carried = append(carried, norm)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, nil, err
	}
	if examined == 0 {
		return 0, nil, nil
	}
	if len(olds) > 0 {
		if _, err := q.Exec(ctx, `INSERT INTO blacklist_hashes (entry_id, kind, key_id, hash)
			SELECT h.entry_id, h.kind, $3, t.cur
			FROM unnest($1::bytea[], $2::bytea[]) AS t(old, cur)
			JOIN blacklist_hashes h ON h.hash = t.old
			JOIN blacklist_entries e ON e.id = h.entry_id AND e.removed_at IS NULL
			ON CONFLICT DO NOTHING`, olds, promoted, cur); err != nil {
			return 0, nil, fmt.Errorf("carry entries over to the current key: %w", err)
		}
		// other holders of these identifiers, hashed under the current key already, may be
		// covered by the carried-over hashes now (the rows updated below are re-tested by
		// the identifier tables' trigger)
		emails, phones := carried, []string(nil)
		if kind == screening.KindPhone {
			emails, phones = nil, carried
		}
		if err := BlockHolders(ctx, q, emails, phones); err != nil {
			return 0, nil, err
		}
	}
	if len(contactIDs) > 0 {
		if _, err := q.Exec(ctx, `UPDATE `+table+` t SET hash = u.hash, key_id = $4
			FROM unnest($1::uuid[], $2::int[], $3::bytea[]) AS u(contact_id, position, hash)
			WHERE t.contact_id = u.contact_id AND t.position = u.position`, contactIDs, positions, hashes, cur); err != nil {
			return 0, nil, err
		}
	}
	var next *rowKey
	if examined == hashBatch && ids == nil {
		next = &last
	}
	return len(contactIDs), next, nil
}

// unknownKeys is the error for identifier rows of table hashed under keys that neither the
// keyring has nor lost names: how many under which key id, and what to do.
func unknownKeys(ctx context.Context, q store.Querier, keyring *screening.Keyring, lost []string, table string) error {
	rows, err := q.Query(ctx, `SELECT key_id, count(*) FROM `+table+`
		WHERE key_id IS NOT NULL AND NOT key_id = ANY($1) GROUP BY key_id ORDER BY key_id`,
		append(keyring.KeyIDs(), lost...))
	if err != nil {
		return err
	}
	var named []string
	for rows.Next() {
		var (
			id string
			n  int64
		)
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return err
		}
		named = append(named, fmt.Sprintf("%s (%d rows)", id, n))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return &otherKeyError{msg: fmt.Sprintf("%s holds identifiers hashed under secret keys this server does not have: key id %s; "+
		"the configured keys are %s (current first). Another instance or an earlier start used another "+
		"VERMERK_SECRET_KEY, and hashing them again under this one would make them match no blacklist entry "+
		"made with that key. Check VERMERK_SECRET_KEY for a typo; to rotate, put the key that made them into "+
		"VERMERK_OLD_SECRET_KEYS; only if that key is gone for good, name its id in VERMERK_LOST_KEY_IDS "+
		"(comma-separated) to hash them again under the current key. No identifier under those keys was changed",
		table, strings.Join(named, ", "), strings.Join(keyring.KeyIDs(), ", "))}
}

// IdentifierHash is the keyed hash, under the current key, that an e-mail or phone (kind,
// normalised) is written with (contacts.Screener): the writers store it with the row, so that
// the row is never without one and HashContacts has nothing left to update.
func (s *Service) IdentifierHash(kind screening.Kind, normalized string) (keyID string, hash []byte, err error) {
	return s.keyring.CurrentHash(kind, normalized)
}

// HashContacts is HashIdentifiers with the service's keyring, for the contacts written in q's
// transaction (contacts.Screener).
func (s *Service) HashContacts(ctx context.Context, q store.Querier, ids []string) error {
	_, err := HashIdentifiers(ctx, q, s.keyring, ids)
	return err
}
