package blacklist

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// CheckKeys fails when live blacklist entries were hashed with a key the keyring lacks and
// hold no hash under a key it has: such entries match nobody, so a mistyped
// VERMERK_SECRET_KEY (or an old key dropped too early) would quietly let erased people back
// in. The server refuses to start instead. An entry whose hashes were carried over to the
// current key (HashAllIdentifiers does that for entries matching live contacts) still matches.
func CheckKeys(ctx context.Context, q store.Querier, ring *screening.Keyring) error {
	rows, err := q.Query(ctx, `SELECT e.key_id, count(*) FROM blacklist_entries e
		WHERE e.removed_at IS NULL AND NOT (e.key_id = ANY ($1))
		  AND NOT EXISTS (SELECT 1 FROM blacklist_hashes h WHERE h.entry_id = e.id AND h.key_id = ANY ($1))
		GROUP BY e.key_id ORDER BY e.key_id`, ring.KeyIDs())
	if err != nil {
		return fmt.Errorf("blacklist.CheckKeys: %w", err)
	}
	type missing struct {
		id    string
		count int64
	}
	lacking, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (missing, error) {
		var m missing
		return m, r.Scan(&m.id, &m.count)
	})
	if err != nil {
		return fmt.Errorf("blacklist.CheckKeys: %w", err)
	}
	if len(lacking) == 0 {
		return nil
	}
	named := make([]string, len(lacking))
	for i, m := range lacking {
		named[i] = fmt.Sprintf("%s (%d live entries)", m.id, m.count)
	}
	known := slices.Clone(ring.KeyIDs())
	return fmt.Errorf("the blacklist has entries made with secret keys this server does not have: key id %s; "+
		"the configured keys are %s (current first). Without their keys those entries match nobody. "+
		"Check VERMERK_SECRET_KEY for a typo, or put the missing keys into VERMERK_OLD_SECRET_KEYS "+
		"(comma-separated); a key id is the first 8 hex digits of the SHA-256 of the key",
		strings.Join(named, ", "), strings.Join(known, ", "))
}
