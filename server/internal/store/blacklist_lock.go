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

// LockBlacklistExclusive is taken by every transaction that adds or removes blacklist
// entries, before it locks any row (an erasure takes it before its row locks, in the order
// the writers above use). The lock is reentrant within a transaction.
func LockBlacklistExclusive(ctx context.Context, q Querier) error {
	if _, err := q.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, blacklistLock); err != nil {
		return fmt.Errorf("blacklist lock: %w", err)
	}
	return nil
}
