package blacklist

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/store"
)

// EndForReentry takes the entries ids off the blacklist in tx — hashes deleted, removedAt set,
// BLACKLIST_CHANGED each — because the person they keep out came back themselves (confirmed a
// double opt-in sign-up from their own mailbox). The caller audits the re-entry; reason is
// kept on each entry's audit row and holds no personal data.
func EndForReentry(ctx context.Context, tx pgx.Tx, ids []string, contactID, reason string) error {
	for _, id := range ids {
		tag, err := tx.Exec(ctx, `UPDATE blacklist_entries SET removed_at = now() WHERE id = $1 AND removed_at IS NULL`, id)
		if err != nil {
			return fmt.Errorf("blacklist.EndForReentry(%s): %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			continue
		}
		if _, err := tx.Exec(ctx, `DELETE FROM blacklist_hashes WHERE entry_id = $1`, id); err != nil {
			return fmt.Errorf("blacklist.EndForReentry(%s): hashes: %w", id, err)
		}
		if err := changed(ctx, tx, id); err != nil {
			return err
		}
		if err := store.Audit(ctx, tx, store.AuditRecord{Operation: "blacklistRemove", TargetID: id, ContactID: contactID,
			Outcome: "ok: re-entry", Reason: reason}); err != nil {
			return err
		}
	}
	return nil
}
