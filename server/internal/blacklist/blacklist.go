// Package blacklist keeps the keyed-hash entries of erased and manually blocked people
// (DESIGN rules 5 and 6): it erases contacts, screens candidates and manages entries. An
// entry holds only HMAC hashes of normalised identifiers (package screening), never the
// identifiers themselves; each hash carries the id of the key that made it, so lookups try
// every key of the keyring and keys can be rotated.
package blacklist

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// Service implements graph.Blacklist and contacts.Screener.
type Service struct {
	db      *store.DB
	keyring *screening.Keyring
	keyIDs  []string                       // keyring's, for the lookup's gate (matchHashes)
	screens *store.Joiner[string, hashRow] // the screen query's hash lookups
}

// New returns the blacklist service; new hashes are made with keyring's current key.
func New(db *store.DB, keyring *screening.Keyring) *Service {
	// The screens of concurrent requests go to the database together (store.JoinSlots).
	keyIDs := keyring.KeyIDs()
	return &Service{db: db, keyring: keyring, keyIDs: keyIDs, screens: newScreenJoiner(db.Pool, keyIDs, store.JoinSlots(db.Pool))}
}

// EntryColumns selects an entry from `blacklist_entries e`; ScanEntry reads it, then extra
// (the columns a query selects after them).
const EntryColumns = `e.id, e.source, e.reason, e.created_at, e.identifier_kinds, e.key_id, e.removed_at, e.restriction`

func ScanEntry(row pgx.Row, extra ...any) (*model.BlacklistEntry, error) {
	var (
		e      model.BlacklistEntry
		source string
		kinds  []string
	)
	dest := append([]any{&e.ID, &source, &e.Reason, &e.CreatedAt, &kinds, &e.KeyID, &e.RemovedAt, &e.Restriction}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	e.Source = model.BlacklistSource(source)
	e.IdentifierKinds = make([]model.MatchField, len(kinds))
	for i, k := range kinds {
		e.IdentifierKinds[i] = model.MatchField(k)
	}
	return &e, nil
}

// Entry loads one entry, removed or not, with q (for the blacklistChanged subscription,
// whose events carry the entry id); a missing entry is apperr NOT_FOUND.
func Entry(ctx context.Context, q store.Querier, id string) (*model.BlacklistEntry, error) {
	e, err := ScanEntry(q.QueryRow(ctx, `SELECT `+EntryColumns+` FROM blacklist_entries e WHERE e.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, apperr.NotFoundf("no blacklist entry with id %s", id)
	}
	if err != nil {
		return nil, fmt.Errorf("blacklist.Entry(%s): %w", id, err)
	}
	return e, nil
}

// insertEntry writes an entry with the current-key hashes of ids; restriction marks an Art. 18
// restriction, which a re-entry does not end (EndForReentry).
func (s *Service) insertEntry(ctx context.Context, tx pgx.Tx, source model.BlacklistSource, reason string, ids screening.Identifiers, restriction bool) (*model.BlacklistEntry, error) {
	if err := s.lockExclusive(ctx, tx); err != nil {
		return nil, err
	}
	var kinds []string
	for _, k := range []screening.Kind{screening.KindEmail, screening.KindPhone, screening.KindNameAddress} {
		if ids.Has(k) {
			kinds = append(kinds, string(k))
		}
	}
	if kinds == nil {
		kinds = []string{}
	}
	e, err := ScanEntry(tx.QueryRow(ctx, `INSERT INTO blacklist_entries AS e (source, reason, key_id, identifier_kinds, restriction)
		VALUES ($1, $2, $3, $4, $5) RETURNING `+EntryColumns,
		string(source), reason, s.keyring.Current().ID, kinds, restriction))
	if err != nil {
		return nil, fmt.Errorf("insert blacklist entry: %w", err)
	}
	cur := ids.Current()
	if len(cur) == 0 {
		return e, nil
	}
	hashKinds := make([]string, len(cur))
	keyIDs := make([]string, len(cur))
	hashes := make([][]byte, len(cur))
	for i, h := range cur {
		hashKinds[i], keyIDs[i], hashes[i] = string(h.Kind), h.KeyID, h.Hash
	}
	_, err = tx.Exec(ctx, `INSERT INTO blacklist_hashes (entry_id, kind, key_id, hash)
		SELECT $1, k, kid, h FROM unnest($2::text[], $3::text[], $4::bytea[]) AS t(k, kid, h)
		ON CONFLICT DO NOTHING`, e.ID, hashKinds, keyIDs, hashes)
	if err != nil {
		return nil, fmt.Errorf("insert blacklist hashes: %w", err)
	}
	emails, phones := clearIdentifiers(ids)
	if err := BlockHolders(ctx, tx, emails, phones); err != nil {
		return nil, err
	}
	return e, nil
}

// changed writes the BLACKLIST_CHANGED event for entry id.
func changed(ctx context.Context, tx pgx.Tx, id string) error {
	_, err := store.Emit(ctx, tx, store.Event{Kind: store.EventBlacklistChanged, Ref: id, Channel: viewer.Channel(ctx)})
	return err
}

// cursorTime is the layout of created_at in a listing cursor.
const cursorTime = time.RFC3339Nano
