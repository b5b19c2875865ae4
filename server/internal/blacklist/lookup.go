package blacklist

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/store"
)

// hashRow is one active entry holding one hash.
type hashRow struct {
	hash  string
	kind  string
	entry *model.BlacklistEntry
}

// matchHashes is the one lookup of the blacklist: the active entries holding any of the
// hashes $1 (under any key; one probe of blacklist_hashes per hash). It fails (keyGate) when the
// database's recorded current key is not among $2, the asking server's key ids
// (vermerk_screens_with, migration 00030: evaluated once, in the statement's snapshot).
const matchHashes = `SELECT ` + entryColumns + `, h.kind, h.hash
	FROM blacklist_hashes h JOIN blacklist_entries e ON e.id = h.entry_id
	WHERE h.hash = ANY($1::bytea[]) AND e.removed_at IS NULL AND vermerk_screens_with($2::text[])`

// newScreenJoiner joins the hash lookups of concurrent screen queries (the desktop clients of
// a whole office typing) into one query on q.
func newScreenJoiner(q store.Querier, keyIDs []string, maxInFlight int) *store.Joiner[string, hashRow] {
	return store.NewJoiner(maxInFlight, func(ctx context.Context, keys []string, found func(string, hashRow)) error {
		hashes := make([][]byte, len(keys))
		for i, k := range keys {
			hashes[i] = []byte(k)
		}
		return queryHashes(ctx, q, keyIDs, hashes, func(r hashRow) { found(r.hash, r) })
	})
}

// queryHashes runs matchHashes with q for a server with keyIDs. The hashes are padded
// (store.GenericPlanKeys) so that a screen of one or two identifiers runs on the generic plan,
// not planned afresh each time.
func queryHashes(ctx context.Context, q store.Querier, keyIDs []string, hashes [][]byte, each func(hashRow)) error {
	rows, err := q.Query(ctx, matchHashes, pgtype.FlatArray[[]byte](store.GenericPlanKeys(hashes)), // no reflection
		pgtype.FlatArray[string](keyIDs))
	if err != nil {
		return fmt.Errorf("lookup: %w", keyGate(err))
	}
	if err := scanHashRows(rows, each); err != nil {
		return fmt.Errorf("lookup: %w", keyGate(err))
	}
	return nil
}

func scanHashRows(rows pgx.Rows, each func(hashRow)) error {
	defer rows.Close()
	for rows.Next() {
		var (
			r    hashRow
			hash []byte
			err  error
		)
		if r.entry, err = scanEntry(rows, &r.kind, &hash); err != nil {
			return err
		}
		r.hash = string(hash)
		each(r)
	}
	return rows.Err()
}

// Matches is the blacklist screening of a batch of candidates (an import's rows): one lookup
// of all their hashes, then each candidate's screening from its own hashes, as Screen would
// give it.
type Matches struct {
	byHash map[string][]hashRow
}

// QueueMatches queues the lookup of hashes (those of every candidate of the batch) on b for a
// server with keyIDs, so that the caller sends it with its own queries in one round trip; m is
// filled when b's results are read. Once they are, m.Screening tells each candidate's matches.
func QueueMatches(b *pgx.Batch, keyIDs []string, hashes [][]byte, m *Matches) {
	m.byHash = map[string][]hashRow{}
	b.Queue(matchHashes, pgtype.FlatArray[[]byte](hashes), pgtype.FlatArray[string](keyIDs)).Query(func(rows pgx.Rows) error {
		return keyGate(scanHashRows(rows, func(r hashRow) { m.byHash[r.hash] = append(m.byHash[r.hash], r) }))
	})
}

// Screening is the screening of one candidate of the batch by its hashes: blocking matches
// (e-mail, phone) first, the newest entry first; nil when nothing matched.
func (m *Matches) Screening(hashes [][]byte) *model.Screening {
	if len(m.byHash) == 0 {
		return nil
	}
	var rows []hashRow
	for _, h := range hashes {
		rows = append(rows, m.byHash[string(h)]...)
	}
	if len(rows) == 0 {
		return nil
	}
	return screeningOf(rows)
}
