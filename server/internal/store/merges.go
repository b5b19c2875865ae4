package store

import (
	"context"
	"fmt"
)

// Survivor returns the record a merged contact id was merged into (contact_merges), or id
// itself when it was not merged: links issued for a merged record act on its survivor.
func Survivor(ctx context.Context, q Querier, id string) (string, error) {
	var into string
	err := q.QueryRow(ctx, `SELECT coalesce((SELECT into_id::text FROM contact_merges WHERE from_id = $1), $1::text)`, id).Scan(&into)
	if err != nil {
		return "", fmt.Errorf("store.Survivor(%s): %w", id, err)
	}
	return into, nil
}
