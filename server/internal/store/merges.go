package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/apperr"
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

// LockRecords locks the records ids with lock (a row-lock clause: FOR UPDATE, FOR NO KEY
// UPDATE, FOR KEY SHARE) in id order, the order every writer of several records takes, so two
// of them wait for each other instead of deadlocking.
func LockRecords(ctx context.Context, tx pgx.Tx, ids []string, lock string) error {
	if _, err := tx.Exec(ctx, `SELECT 1 FROM contacts WHERE id = ANY($1::uuid[]) ORDER BY id `+lock, ids); err != nil {
		return fmt.Errorf("store.LockRecords: %w", err)
	}
	return nil
}

// LockSurvivor locks, with lock (a row-lock clause: FOR NO KEY UPDATE, FOR KEY SHARE), the live
// record id names — id itself, or the record it was merged into (Survivor) — and returns its
// id. A merge of that record that commits while the lock is awaited is followed to its
// survivor: what is said through an old id reaches the person. NOT_FOUND when the record is
// gone otherwise (erased, deleted).
func LockSurvivor(ctx context.Context, tx pgx.Tx, id, lock string) (string, error) {
	into, err := Survivor(ctx, tx, id)
	for err == nil {
		var found bool
		if err = tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM contacts WHERE id = $1 `+lock+`)`, into).Scan(&found); err != nil || found {
			break
		}
		// gone once the lock was granted: a merge committed meanwhile, which a later statement sees
		var again string
		if again, err = Survivor(ctx, tx, id); err == nil && again == into {
			return "", apperr.NotFoundf("no contact with id %s", id)
		}
		into = again
	}
	if err != nil {
		return "", fmt.Errorf("store.LockSurvivor(%s): %w", id, err)
	}
	return into, nil
}
