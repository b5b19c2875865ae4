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
// double opt-in sign-up from their own mailbox). A restriction (Art. 18) is not ended: her
// sign-up is her consent to one purpose (Art. 18(2)), and only the controller lifts a
// restriction, after telling her (Art. 18(3)); it stays, and its records stay held. The caller
// audits the re-entry; reason is kept on each entry's audit row and holds no personal data. It
// returns the entries it ended and the earliest of them (id and when it was made; "" when none
// was ended): the person's "no" that her grants older than it stay under
// (consent.RevokeObjectedGrants).
func EndForReentry(ctx context.Context, tx pgx.Tx, ids []string, contactID, reason string) (ended []string, firstID string, firstAt time.Time, err error) {
	for _, id := range ids {
		var createdAt time.Time
		err := tx.QueryRow(ctx, `UPDATE blacklist_entries SET removed_at = now() WHERE id = $1 AND removed_at IS NULL AND NOT restriction
			RETURNING created_at`, id).Scan(&createdAt)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, "", time.Time{}, fmt.Errorf("blacklist.EndForReentry(%s): %w", id, err)
		}
		ended = append(ended, id)
		if firstID == "" || createdAt.Before(firstAt) {
			firstID, firstAt = id, createdAt
		}
		if _, err := tx.Exec(ctx, `DELETE FROM blacklist_hashes WHERE entry_id = $1`, id); err != nil {
			return nil, "", time.Time{}, fmt.Errorf("blacklist.EndForReentry(%s): hashes: %w", id, err)
		}
		if err := changed(ctx, tx, id); err != nil {
			return nil, "", time.Time{}, err
		}
		if err := store.Audit(ctx, tx, store.AuditRecord{Operation: "blacklistRemove", TargetID: id, ContactID: contactID,
			Outcome: "ok: re-entry", Reason: reason}); err != nil {
			return nil, "", time.Time{}, err
		}
	}
	return ended, firstID, firstAt, nil
}
