package blacklist

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// EndForReentry takes the person off the entries ids in tx, because she came back herself: she
// confirmed a double opt-in sign-up from her own mailbox, whose normalised address is
// normalizedEmail. An objection (MANUAL) ends — hashes deleted, removedAt set — since she asked
// for mail again. An erasure loses only the hashes of that address, under every key, and stays
// on the blacklist with the rest of her erased identifiers while it holds any e-mail or phone:
// her confirmation proves that mailbox hers, not the sales record's address or the phone she
// had erased, which an old list must not bring back. A restriction (Art. 18) is not ended: her
// sign-up is her consent to one purpose (Art. 18(2)), and only the controller lifts a
// restriction, after telling her (Art. 18(3)); it stays, and its records stay held. Each entry
// changed writes BLACKLIST_CHANGED. The caller audits the re-entry; reason is kept on each
// entry's audit row and holds no personal data. It returns the entries she came back from
// (ended or narrowed), the records they restricted (hers through the entry, also one that
// shares no identifier with her any more; the rows go with the entry), and the earliest entry
// (id and when it was made; "" when none): the person's "no" that her grants older than it
// stay under (consent.RevokeObjectedGrants).
func (s *Service) EndForReentry(ctx context.Context, tx pgx.Tx, ids []string, normalizedEmail, contactID, reason string) (ended, restricted []string, firstID string, firstAt time.Time, err error) {
	var address [][]byte
	for _, h := range s.keyring.HashAll(screening.KindEmail, normalizedEmail) {
		address = append(address, h.Hash)
	}
	for _, id := range ids {
		var (
			createdAt time.Time
			records   []string
			source    string
			others    bool // an erasure's e-mails and phones other than her address
		)
		err := tx.QueryRow(ctx, `SELECT created_at, source, EXISTS (SELECT 1 FROM blacklist_hashes h WHERE h.entry_id = e.id
				AND h.kind IN ('EMAIL', 'PHONE') AND NOT h.hash = ANY($2::bytea[]))
			FROM blacklist_entries e WHERE id = $1 AND removed_at IS NULL AND NOT restriction FOR UPDATE`, id, address).
			Scan(&createdAt, &source, &others)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, nil, "", time.Time{}, fmt.Errorf("blacklist.EndForReentry(%s): %w", id, err)
		}
		if err := tx.QueryRow(ctx, `SELECT coalesce(array_agg(contact_id::text ORDER BY contact_id), '{}') FROM contact_restrictions
			WHERE entry_id = $1`, id).Scan(&records); err != nil {
			return nil, nil, "", time.Time{}, fmt.Errorf("blacklist.EndForReentry(%s): restricted records: %w", id, err)
		}
		outcome := "ok: re-entry"
		if source == string(model.BlacklistSourceErasure) && others {
			outcome = "ok: re-entry; her confirmed address taken off the erasure entry, which keeps her other e-mails and phones"
			if _, err := tx.Exec(ctx, `DELETE FROM blacklist_hashes WHERE entry_id = $1 AND kind = 'EMAIL' AND hash = ANY($2::bytea[])`,
				id, address); err != nil {
				return nil, nil, "", time.Time{}, fmt.Errorf("blacklist.EndForReentry(%s): her address's hashes: %w", id, err)
			}
			if _, err := tx.Exec(ctx, `UPDATE blacklist_entries SET identifier_kinds = array_remove(identifier_kinds, 'EMAIL')
				WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM blacklist_hashes WHERE entry_id = $1 AND kind = 'EMAIL')`, id); err != nil {
				return nil, nil, "", time.Time{}, fmt.Errorf("blacklist.EndForReentry(%s): identifier kinds: %w", id, err)
			}
		} else {
			if _, err := tx.Exec(ctx, `UPDATE blacklist_entries SET removed_at = now() WHERE id = $1`, id); err != nil {
				return nil, nil, "", time.Time{}, fmt.Errorf("blacklist.EndForReentry(%s): %w", id, err)
			}
			if _, err := tx.Exec(ctx, `DELETE FROM blacklist_hashes WHERE entry_id = $1`, id); err != nil {
				return nil, nil, "", time.Time{}, fmt.Errorf("blacklist.EndForReentry(%s): hashes: %w", id, err)
			}
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
		if err := changed(ctx, tx, id); err != nil {
			return nil, nil, "", time.Time{}, err
		}
		if err := store.Audit(ctx, tx, store.AuditRecord{Operation: "blacklistRemove", TargetID: id, ContactID: contactID,
			Outcome: outcome, Reason: reason}); err != nil {
			return nil, nil, "", time.Time{}, err
		}
	}
	return ended, restricted, firstID, firstAt, nil
}
