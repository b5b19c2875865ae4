package store

import (
	"context"
	"fmt"
)

// blacklistLock is the transaction-level advisory lock between writers of the blacklist and
// writers of contact identifiers (see migration 00025 for what contact_blocks relies on).
const blacklistLock = 7243002

// LockBlacklistShared is taken by every transaction that screens and then writes contacts,
// or moves identifiers between them, before it locks any row: a new blacklist entry (the
// exclusive side) waits for those in flight, and those that start later see it. Without it, a
// contact written while the same person is being erased could slip past screening, and
// contact_blocks could miss a contact.
func LockBlacklistShared(ctx context.Context, q Querier) error {
	if _, err := q.Exec(ctx, `SELECT pg_advisory_xact_lock_shared($1)`, blacklistLock); err != nil {
		return fmt.Errorf("blacklist lock (shared): %w", err)
	}
	return nil
}

// LockBlacklistSharedKey is LockBlacklistShared that also returns the id of the secret key the
// database recorded as its instances' current one ("" when none is recorded yet), read after
// the lock: blacklist.LockShared compares it with the writer's keys.
func LockBlacklistSharedKey(ctx context.Context, q Querier) (string, error) {
	return lockBlacklistKey(ctx, q, "pg_advisory_xact_lock_shared", "blacklist lock (shared)")
}

// LockBlacklistExclusive is taken by every transaction that adds or removes blacklist
// entries, before it locks any row (an erasure takes it before its row locks, in the order
// the writers above use). The lock is reentrant within a transaction.
func LockBlacklistExclusive(ctx context.Context, q Querier) error {
	if _, err := q.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, blacklistLock); err != nil {
		return fmt.Errorf("blacklist lock: %w", err)
	}
	return nil
}

// LockBlacklistExclusiveKey is LockBlacklistExclusive that also returns the recorded current
// key's id, as LockBlacklistSharedKey does.
func LockBlacklistExclusiveKey(ctx context.Context, q Querier) (string, error) {
	return lockBlacklistKey(ctx, q, "pg_advisory_xact_lock", "blacklist lock")
}

// lockBlacklistKey takes the blacklist lock with the advisory lock function lock, then reads
// the recorded current key's id in a statement of its own: a statement's snapshot is taken
// when it starts, so read in the locking statement it would miss a rotation committed while
// the lock was waited for.
func lockBlacklistKey(ctx context.Context, q Querier, lock, what string) (string, error) {
	if _, err := q.Exec(ctx, `SELECT `+lock+`($1)`, blacklistLock); err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	id, err := CurrentKeyID(ctx, q)
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	return id, nil
}

// CurrentKeyID is the id of the secret key the database recorded as its instances' current
// one, "" before any start recorded one.
func CurrentKeyID(ctx context.Context, q Querier) (string, error) {
	var id string
	if err := q.QueryRow(ctx, `SELECT coalesce((SELECT key_id FROM current_secret_key), '')`).Scan(&id); err != nil {
		return "", fmt.Errorf("the current key: %w", err)
	}
	return id, nil
}
