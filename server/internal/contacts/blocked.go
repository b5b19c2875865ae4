package contacts

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/viewer"
	"github.com/vermerk/vermerk/server/internal/store"
)

// blocked says whether recipients leaves the record out now (store.BlockedAmong).
func blocked(ctx context.Context, tx pgx.Tx, id string) (bool, error) {
	b, err := store.BlockedAmong(ctx, tx, []string{id})
	return len(b) > 0, err
}

// announceBlocked writes a CONTACT_BLOCKED event for the live record id when a write of its own
// (updateContact with an override, mergeContacts) made an active entry cover it, as a new entry
// does for the records it covers: newsletter software holding the id learns that it must stop,
// though no consent was revoked. Ref names the oldest entry that blocks it.
func announceBlocked(ctx context.Context, tx pgx.Tx, id string, before bool) error {
	if before {
		return nil
	}
	// most writes leave a record unblocked: one index probe, not the entries' join
	if now, err := blocked(ctx, tx, id); err != nil || !now {
		return err
	}
	entries, err := store.EntriesBlocking(ctx, tx, id)
	if err != nil || len(entries) == 0 {
		return err
	}
	_, err = store.Emit(ctx, tx, store.Event{Kind: store.EventContactBlocked, ContactID: id, Channel: viewer.Channel(ctx), Ref: entries[0].ID})
	return err
}
