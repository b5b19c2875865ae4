package blacklist

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/store"
)

// EndForReentry takes the entries ids off the blacklist in tx — hashes deleted, removedAt set,
// BLACKLIST_CHANGED each — because the person they keep out came back themselves (confirmed a
// double opt-in sign-up from their own mailbox). The caller audits the re-entry; reason is
// kept on each entry's audit row and holds no personal data. It returns the earliest of the
// entries it ended (id and when it was made; "" when none was active): the person's "no"
// that her grants older than it stay under (consent.RevokeObjectedGrants).
func EndForReentry(ctx context.Context, tx pgx.Tx, ids []string, contactID, reason string) (firstID string, firstAt time.Time, err error) {
	for _, id := range ids {
		var createdAt time.Time
		err := tx.QueryRow(ctx, `UPDATE blacklist_entries SET removed_at = now() WHERE id = $1 AND removed_at IS NULL
			RETURNING created_at`, id).Scan(&createdAt)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return "", time.Time{}, fmt.Errorf("blacklist.EndForReentry(%s): %w", id, err)
		}
		if firstID == "" || createdAt.Before(firstAt) {
			firstID, firstAt = id, createdAt
		}
		if _, err := tx.Exec(ctx, `DELETE FROM blacklist_hashes WHERE entry_id = $1`, id); err != nil {
			return "", time.Time{}, fmt.Errorf("blacklist.EndForReentry(%s): hashes: %w", id, err)
		}
		if err := changed(ctx, tx, id); err != nil {
			return "", time.Time{}, err
		}
		if err := store.Audit(ctx, tx, store.AuditRecord{Operation: "blacklistRemove", TargetID: id, ContactID: contactID,
			Outcome: "ok: re-entry", Reason: reason}); err != nil {
			return "", time.Time{}, err
		}
	}
	return firstID, firstAt, nil
}
