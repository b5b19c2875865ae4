package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// BlockedAmong returns, sorted, those of the contact ids that recipients leaves out: the ones
// in contact_blocks, which the database keeps equal to vermerk_contact_blocked (migrations
// 00025 and 00035: an e-mail or phone whose hash an active entry holds or that has no hash
// yet, or a record an entry restricts). The one lookup of it.
func BlockedAmong(ctx context.Context, q Querier, ids []string) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT contact_id::text FROM contact_blocks WHERE contact_id = ANY($1::uuid[]) ORDER BY 1`, ids)
	if err != nil {
		return nil, fmt.Errorf("blocked contacts: %w", err)
	}
	blocked, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("blocked contacts: %w", err)
	}
	return blocked, nil
}
