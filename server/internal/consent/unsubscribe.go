package consent

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
	"github.com/vermerk/vermerk/server/internal/store"
)

// UnsubscribeRecorder is who the ledger names for revocations made through an unsubscribe link.
const UnsubscribeRecorder = "unsubscribe link"

// unsubscribeChannel is the channel of such a revocation when the caller names none.
const unsubscribeChannel = "unsubscribe-link"

// UnsubscribeFromList is what an unsubscribe link does, in one transaction: revoke the
// consent for the list's purpose (source = channel), end the list membership of every record
// of the person (store.PersonOrRecord, as the revocation reaches them), keep when she left
// (list_departures, for records that join her later: JoinPerson), emit CONSENT_REVOKED and
// audit it. It is idempotent: when the person is no member and the consent is already revoked
// it changes nothing but the time she last left, and reports alreadyDone.
func (s *Service) UnsubscribeFromList(ctx context.Context, linkedID, listID, channel string) (alreadyDone bool, err error) {
	if err := store.CheckID("contactId", linkedID); err != nil {
		return false, err
	}
	if err := store.CheckID("listId", listID); err != nil {
		return false, err
	}
	if channel = strings.TrimSpace(channel); channel == "" {
		channel = unsubscribeChannel
	}
	if !channelToken.MatchString(channel) {
		return false, apperr.BadInput("channel", apperr.ReasonChannelFormat, "the channel must be a short token of lower-case letters, digits and hyphens (at most 40)")
	}
	if viewer.From(ctx) == nil {
		ctx = viewer.With(ctx, &viewer.Viewer{TokenID: "unsubscribe", Name: UnsubscribeRecorder})
	}
	err = s.db.Transact(ctx, func(tx pgx.Tx) error {
		alreadyDone = false
		l, err := scanList(tx.QueryRow(ctx, `SELECT `+listColumns+listFrom+` WHERE l.id = $1`, listID))
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.NotFoundf("no distribution list with id %s", listID)
		}
		if err != nil {
			return err
		}
		// A link issued before its record was merged acts on the survivor. She left the list,
		// not one record of hers: a later "yes" to the purpose (her own sign-up for another of
		// its lists, recorded on whichever record) must not bring it back. Her records are
		// locked in id order: an addToList of another record of hers under way commits first
		// and its membership ends here, or it waits and then sees her departure
		// (putBackWhoLeft); her "no" said through another record at the same time waits its turn.
		contactID, person, _, err := store.LockPersonOf(ctx, tx, linkedID, "FOR NO KEY UPDATE")
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM list_members WHERE list_id = $1 AND contact_id = ANY($2::uuid[])`, l.ID, person)
		if err != nil {
			return err
		}
		wasMember := tag.RowsAffected() > 0
		// Kept for the records that join her later (JoinPerson): they leave the list too.
		if _, err := tx.Exec(ctx, `INSERT INTO list_departures (list_id, contact_id) VALUES ($1, $2)
			ON CONFLICT (contact_id, list_id) DO UPDATE SET left_at = EXCLUDED.left_at`, l.ID, contactID); err != nil {
			return fmt.Errorf("list departure: %w", err)
		}
		status, err := currentStatus(ctx, tx, contactID, l.PurposeID)
		if err != nil {
			return err
		}
		e := entry{ContactID: contactID, PurposeID: l.PurposeID, Source: channel, RecordedBy: UnsubscribeRecorder, TokenID: "unsubscribe"}
		var reached reach
		outcome := "ok"
		if status == model.ConsentStatusRevoked {
			// a click on a record revoked already still reaches the person's other records
			if reached, err = revokeSamePerson(ctx, tx, e); err != nil {
				return err
			}
			if !wasMember && len(reached.others) == 0 {
				alreadyDone = true
				return nil
			}
			outcome = "ok: membership ended, consent was already revoked"
		} else if _, reached, err = revoke(ctx, tx, e); err != nil {
			return err
		}
		outcome += reached.note()
		return store.Audit(ctx, tx, store.AuditRecord{Operation: "unsubscribe", TargetID: l.ID, ContactID: contactID, Outcome: outcome})
	})
	if err != nil {
		return false, fmt.Errorf("consent.UnsubscribeFromList(%s, %s): %w", linkedID, listID, err)
	}
	return alreadyDone, nil
}
