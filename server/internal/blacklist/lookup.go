package blacklist

import (
	"context"
	"fmt"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/store"
)

// hashRow is one active entry holding one hash.
type hashRow struct {
	hash  string
	kind  string
	entry *model.BlacklistEntry
}

// newScreenJoiner joins the hash lookups of concurrent screen queries (the desktop clients of
// a whole office typing) into one query on q.
func newScreenJoiner(q store.Querier, maxInFlight int) *store.Joiner[string, hashRow] {
	return store.NewJoiner(maxInFlight, func(ctx context.Context, keys []string, found func(string, hashRow)) error {
		hashes := make([][]byte, len(keys))
		for i, k := range keys {
			hashes[i] = []byte(k)
		}
		return queryHashes(ctx, q, hashes, func(r hashRow) { found(r.hash, r) })
	})
}

// queryHashes runs the indexed hash lookup with q (one probe of blacklist_hashes per hash).
func queryHashes(ctx context.Context, q store.Querier, hashes [][]byte, each func(hashRow)) error {
	rows, err := q.Query(ctx, `SELECT `+entryColumns+`, h.kind, h.hash
		FROM blacklist_hashes h JOIN blacklist_entries e ON e.id = h.entry_id
		WHERE h.hash = ANY($1::bytea[]) AND e.removed_at IS NULL`, hashes)
	if err != nil {
		return fmt.Errorf("lookup: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			r    hashRow
			hash []byte
		)
		if r.entry, err = scanEntry(rows, &r.kind, &hash); err != nil {
			return fmt.Errorf("lookup: %w", err)
		}
		r.hash = string(hash)
		each(r)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("lookup: %w", err)
	}
	return nil
}
