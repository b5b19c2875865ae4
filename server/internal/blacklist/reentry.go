package blacklist

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
// returns the entries it ended, the records they restricted (hers through the entry, also one
// that shares no identifier with her any more; the rows go with the entry), and the earliest
// entry (id and when it was made; "" when none was ended): the person's "no" that her grants
// older than it stay under (consent.RevokeObjectedGrants).
func EndForReentry(ctx context.Context, tx pgx.Tx, ids []string, contactID, reason string) (ended, restricted []string, firstID string, firstAt time.Time, err error) {
	for _, id := range ids {
		var (
			createdAt time.Time
			records   []string
		)
		err := tx.QueryRow(ctx, `SELECT coalesce(array_agg(contact_id::text ORDER BY contact_id), '{}') FROM contact_restrictions
			WHERE entry_id = $1`, id).Scan(&records)
		if err != nil {
			return nil, nil, "", time.Time{}, fmt.Errorf("blacklist.EndForReentry(%s): restricted records: %w", id, err)
		}
		err = tx.QueryRow(ctx, `UPDATE blacklist_entries SET removed_at = now() WHERE id = $1 AND removed_at IS NULL AND NOT restriction
			RETURNING created_at`, id).Scan(&createdAt)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, nil, "", time.Time{}, fmt.Errorf("blacklist.EndForReentry(%s): %w", id, err)
		}
		ended = append(ended, id)
		for _, r := range records {
			if !slices.Contains(restricted, r) {
				restricted = append(restricted, r)
			}
		}
		if firstID == "" || createdAt.Before(firstAt) {
			firstID, firstAt = id, createdAt
		}
		if _, err := tx.Exec(ctx, `DELETE FROM blacklist_hashes WHERE entry_id = $1`, id); err != nil {
			return nil, nil, "", time.Time{}, fmt.Errorf("blacklist.EndForReentry(%s): hashes: %w", id, err)
		}
		if err := changed(ctx, tx, id); err != nil {
			return nil, nil, "", time.Time{}, err
		}
		if err := store.Audit(ctx, tx, store.AuditRecord{Operation: "blacklistRemove", TargetID: id, ContactID: contactID,
			Outcome: "ok: re-entry", Reason: reason}); err != nil {
			return nil, nil, "", time.Time{}, err
		}
	}
	return ended, restricted, firstID, firstAt, nil
}
