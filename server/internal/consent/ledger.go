package consent

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
	"github.com/vermerk/vermerk/server/internal/store"
)

// entry is one ledger append.
type entry struct {
	ContactID, PurposeID string
	Status               model.ConsentStatus
	Source               string
	Evidence             *string
	RecordedBy, TokenID  string
	GivenAt              *time.Time // when the person agreed, if not when it is recorded
	TextVersion          *int       // the consent text version the person saw
}

// appendEntry writes e to the ledger; the database derives consent_state from it in tx
// (vermerk_consent_rederive: the ledger's one ordering rule, see Rederive).
func appendEntry(ctx context.Context, tx pgx.Tx, e entry) error {
	_, err := tx.Exec(ctx, `INSERT INTO consent_events (contact_id, purpose_id, status, source, evidence, recorded_by, recorded_by_token, given_at, consent_text_version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		e.ContactID, e.PurposeID, string(e.Status), e.Source, e.Evidence, e.RecordedBy, e.TokenID, e.GivenAt, e.TextVersion)
	if err != nil {
		return fmt.Errorf("append consent event: %w", err)
	}
	return nil
}

// Rederive recomputes the contact's consent states from its whole ledger. Events are ordered
// by when the person acted — a revocation when she said it (givenAt, else when recorded), a
// grant from GrantMoment (givenAt, but never after its recording) — a revocation before a
// grant of the same moment (GrantUndoes), then by recording order; the state is that of the
// last event. This is the ledger's one ordering rule (SQL functions vermerk_consent_moment and
// vermerk_consent_rederive, which the insert trigger calls too); a merge that moves
// events onto another record calls Rederive for it afterwards. A consent that was GRANTED and
// is REVOKED now (the moved events hold a later "no") gets its CONSENT_REVOKED event, as any
// revocation does: whoever holds the contact's id must stop (announceStop).
func Rederive(ctx context.Context, tx pgx.Tx, contactID string) error {
	rows, err := tx.Query(ctx, `SELECT purpose_id::text FROM consent_state WHERE contact_id = $1 AND status = 'GRANTED'`, contactID)
	if err != nil {
		return fmt.Errorf("consent.Rederive(%s): %w", contactID, err)
	}
	granted, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("consent.Rederive(%s): %w", contactID, err)
	}
	if _, err := tx.Exec(ctx, `SELECT vermerk_consent_rederive($1, p.purpose_id)
		FROM (SELECT DISTINCT purpose_id FROM consent_events WHERE contact_id = $1
		      UNION SELECT purpose_id FROM consent_state WHERE contact_id = $1) p`, contactID); err != nil {
		return fmt.Errorf("consent.Rederive(%s): %w", contactID, err)
	}
	for _, purposeID := range granted {
		if err := announceStop(ctx, tx, contactID, purposeID, model.ConsentStatusGranted); err != nil {
			return fmt.Errorf("consent.Rederive(%s): %w", contactID, err)
		}
	}
	return nil
}

// announceStop emits CONSENT_REVOKED for the contact and purpose when a ledger change turned
// the consent from before, GRANTED, to REVOKED — with the channel of the revocation now in
// force. Newsletter software learns of a stop only from the outbox (webhooks, the revocations
// feed); every change that stops a record without appending its own revocation calls this.
func announceStop(ctx context.Context, tx pgx.Tx, contactID, purposeID string, before model.ConsentStatus) error {
	if before != model.ConsentStatusGranted {
		return nil
	}
	var (
		status  string
		channel *string
	)
	err := tx.QueryRow(ctx, `SELECT s.status, e.source FROM consent_state s LEFT JOIN consent_events e ON e.id = s.last_event_id
		WHERE s.contact_id = $1 AND s.purpose_id = $2`, contactID, purposeID).Scan(&status, &channel)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && model.ConsentStatus(status) != model.ConsentStatusRevoked {
		return nil
	}
	if err != nil {
		return fmt.Errorf("consent state: %w", err)
	}
	ch := ""
	if channel != nil {
		ch = *channel
	}
	_, err = store.Emit(ctx, tx, store.Event{Kind: store.EventConsentRevoked, ContactID: contactID, PurposeID: purposeID, Channel: ch})
	return err
}

// givenAtBound is how far back givenAt may lie: the regular limitation period of German civil
// law (three years, § 195 BGB). Evidence of a consent older than that is no longer what a
// recording clerk can vouch for; such a consent is to be asked for again.
const givenAtBound = 3 // years

// clockSkew is how far givenAt may lie after the server's clock (the caller's clock differs).
const clockSkew = time.Minute

// CheckGivenAt refuses a givenAt in the future or more than givenAtBound years back.
func CheckGivenAt(field string, givenAt, now time.Time) error {
	switch {
	case givenAt.After(now.Add(clockSkew)):
		return apperr.BadInput(field, apperr.ReasonGivenAtInFuture, "givenAt %s lies in the future; pass when the person agreed, at the latest now",
			givenAt.UTC().Format(time.RFC3339))
	case givenAt.Before(now.AddDate(-givenAtBound, 0, 0)):
		return apperr.BadInput(field, apperr.ReasonGivenAtTooOld, "givenAt %s lies more than %d years back; ask the person for their consent again",
			givenAt.UTC().Format(time.RFC3339), givenAtBound)
	}
	return nil
}

// currentStatus is the derived state before a write: "" when nothing was ever recorded.
func currentStatus(ctx context.Context, q store.Querier, contactID, purposeID string) (model.ConsentStatus, error) {
	var st string
	err := q.QueryRow(ctx, `SELECT status FROM consent_state WHERE contact_id = $1 AND purpose_id = $2`, contactID, purposeID).Scan(&st)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("consent state: %w", err)
	}
	return model.ConsentStatus(st), nil
}

// RecordConsent appends a grant. A repeated grant is appended too (new evidence, renewed
// grantedAt); the state stays GRANTED.
func (s *Service) RecordConsent(ctx context.Context, in model.ConsentInput) (*model.Consent, error) {
	var errs apperr.List
	if err := store.CheckID("input.contactId", in.ContactID); err != nil {
		errs = append(errs, err.(*apperr.Error))
	}
	if in.PurposeKey == "" {
		errs = append(errs, apperr.BadInput("input.purposeKey", apperr.ReasonRequired, "name the purpose of the consent by its key"))
	}
	source := text(&errs, "input.source", "source (where the consent was given, e.g. web form, phone, fair)", in.Source, maxName, false)
	var evidence *string
	if in.Evidence != nil {
		if ev := text(&errs, "input.evidence", "evidence", *in.Evidence, maxEvidence, true); ev != "" {
			evidence = &ev
		}
	}
	if in.GivenAt != nil {
		if err := CheckGivenAt("input.givenAt", *in.GivenAt, time.Now()); err != nil {
			errs = append(errs, err.(*apperr.Error))
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if err := mayUse(ctx, in.PurposeKey); err != nil {
		return nil, err
	}
	token, name := viewer.Actor(ctx)
	var c *model.Consent
	err := s.db.Transact(ctx, func(tx pgx.Tx) error {
		p, err := ledgerTarget(ctx, tx, in.ContactID, in.PurposeKey)
		if err != nil {
			return err
		}
		if err := refuseBlocked(ctx, tx, "input.contactId", in.ContactID); err != nil {
			return err
		}
		if in.ConsentTextVersion != nil {
			if err := CheckTextVersion(ctx, tx, "input.consentTextVersion", p.ID, *in.ConsentTextVersion); err != nil {
				return err
			}
		}
		if in.GivenAt != nil || evidence == nil { // her "no" matters to either
			r, err := PersonRevocation(ctx, tx, []string{in.ContactID}, p.ID)
			if err != nil {
				return err
			}
			grantAt := GrantMoment(in.GivenAt, time.Now())
			if in.GivenAt != nil {
				if err := inheritRevocation(ctx, tx, in.ContactID, p.ID, grantAt, r); err != nil {
					return err
				}
			}
			if err := needEvidenceAfterNo(r, grantAt, evidence); err != nil {
				return err
			}
		}
		if err := appendEntry(ctx, tx, entry{ContactID: in.ContactID, PurposeID: p.ID, Status: model.ConsentStatusGranted,
			Source: source, Evidence: evidence, RecordedBy: name, TokenID: token,
			GivenAt: in.GivenAt, TextVersion: in.ConsentTextVersion}); err != nil {
			return err
		}
		if c, err = loadConsent(ctx, tx, in.ContactID, p.ID); err != nil {
			return err
		}
		outcome := "ok"
		if c.Status == model.ConsentStatusRevoked {
			c.Notice = ptr(fmt.Sprintf("the consent is recorded, but a revocation for purpose %q dated at the same time or after it stays in force", p.Key))
			c.NoticeCode = ptr(string(apperr.NoticeOlderThanRevocation))
			outcome = "ok: older than a revocation"
		}
		return store.Audit(ctx, tx, store.AuditRecord{Operation: "recordConsent", TargetID: c.ID, ContactID: in.ContactID, Outcome: outcome})
	})
	if err != nil {
		return nil, fmt.Errorf("consent.RecordConsent(%s): %w", in.ContactID, err)
	}
	return c, nil
}

// needEvidenceAfterNo refuses a grant without evidence that would undo the person's "no" r
// (nil: she never said no to the purpose): one counting from grantAt (GrantMoment) that
// GrantUndoes it. Her "no" was recorded with where it came from; a "yes" after it must be as
// provable (Art. 7(1)): how and when she gave it. A grant dated before her "no", or at its
// instant, changes nothing (the "no" stays in force) and needs none.
func needEvidenceAfterNo(r *Revocation, grantAt time.Time, evidence *string) error {
	if r == nil || evidence != nil || !GrantUndoes(grantAt, r.At) {
		return nil
	}
	return apperr.BadInput("input.evidence", apperr.ReasonEvidenceAfterRevocation,
		"the person revoked this purpose earlier (see consentProof); a consent after that needs evidence of how and when "+
			"she gave it again (e.g. the date of her call and its ticket, the signed form); nothing was recorded")
}

// RevokeConsent appends a revocation and, in the same transaction, the CONSENT_REVOKED
// outbox event; it answers after the commit, so the person is no recipient any more. A "no"
// is always kept: revoking a consent never granted is recorded and the notice says so, and a
// record merged away since the caller read its id is revoked on the survivor (store.Survivor),
// as its unsubscribe link is.
func (s *Service) RevokeConsent(ctx context.Context, in model.RevocationInput) (*model.Consent, error) {
	var errs apperr.List
	if err := store.CheckID("input.contactId", in.ContactID); err != nil {
		errs = append(errs, err.(*apperr.Error))
	}
	if in.PurposeKey == "" {
		errs = append(errs, apperr.BadInput("input.purposeKey", apperr.ReasonRequired, "name the purpose of the revocation by its key"))
	}
	channel := strings.TrimSpace(in.Channel)
	if !channelToken.MatchString(channel) {
		// not quoted back: free text here might name the person
		errs = append(errs, apperr.BadInput("input.channel", apperr.ReasonChannelFormat,
			"the channel says how the revocation arrived, as a short token of lower-case letters, digits and hyphens (at most 40), e.g. phone, letter, e-mail, in-person"))
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if err := mayUse(ctx, in.PurposeKey); err != nil {
		return nil, err
	}
	token, name := viewer.Actor(ctx)
	var c *model.Consent
	err := s.db.Transact(ctx, func(tx pgx.Tx) error {
		// An id the caller got before a merge names the person still: her "no" is not lost.
		// Her records are locked in id order (the "no" reaches them all), so her "no" said
		// through another record at the same time waits its turn instead of deadlocking.
		contactID, _, _, err := store.LockPersonOf(ctx, tx, in.ContactID, "FOR NO KEY UPDATE")
		if err != nil {
			return err
		}
		in.ContactID = contactID
		p, err := ledgerTarget(ctx, tx, in.ContactID, in.PurposeKey)
		if err != nil {
			return err
		}
		// the channel outlives the person's erasure in the outbox and webhook payloads
		if err := refuseMentions(ctx, tx, "input.channel", channelMayName(channel), in.ContactID); err != nil {
			return err
		}
		before, reached, err := revoke(ctx, tx, entry{ContactID: in.ContactID, PurposeID: p.ID, Source: channel, RecordedBy: name, TokenID: token})
		if err != nil {
			return err
		}
		if c, err = loadConsent(ctx, tx, in.ContactID, p.ID); err != nil {
			return err
		}
		outcome := "ok"
		switch before {
		case "":
			c.Notice = ptr(fmt.Sprintf("no consent for purpose %q had been granted; the revocation is recorded all the same", p.Key))
			c.NoticeCode = ptr(string(apperr.NoticeNeverGranted))
			outcome = "ok: never granted"
		case model.ConsentStatusRevoked:
			c.Notice = ptr(fmt.Sprintf("the consent for purpose %q was already revoked; this revocation is recorded as well", p.Key))
			c.NoticeCode = ptr(string(apperr.NoticeAlreadyRevoked))
			outcome = "ok: already revoked"
		}
		outcome += reached.note()
		return store.Audit(ctx, tx, store.AuditRecord{Operation: "revokeConsent", TargetID: c.ID, ContactID: in.ContactID, Outcome: outcome})
	})
	if err != nil {
		return nil, fmt.Errorf("consent.RevokeConsent(%s): %w", in.ContactID, err)
	}
	return c, nil
}

// revoke appends a REVOKED entry (e.Source is the channel) and the outbox event, with the
// contact locked by the caller; it returns the status before ("" when never recorded). The
// "no" is the person's (DESIGN rules 4 and 8): every other live record of the person
// (store.SamePerson) whose last word for the purpose is not already a revocation gets one too,
// with its own ledger entry naming the record it was given on and its own event, so a
// duplicate record is no recipient either; only a later grant of its own undoes it. The
// returned others are those records.
func revoke(ctx context.Context, tx pgx.Tx, e entry) (before model.ConsentStatus, reached reach, err error) {
	if before, err = revokeRecord(ctx, tx, e); err != nil {
		return "", reach{}, err
	}
	reached, err = revokeSamePerson(ctx, tx, e)
	return before, reached, err
}

// revokeRecord appends the REVOKED entry and the outbox event of one record.
func revokeRecord(ctx context.Context, tx pgx.Tx, e entry) (model.ConsentStatus, error) {
	before, err := currentStatus(ctx, tx, e.ContactID, e.PurposeID)
	if err != nil {
		return "", err
	}
	e.Status = model.ConsentStatusRevoked
	if err := appendEntry(ctx, tx, e); err != nil {
		return "", err
	}
	_, err = store.Emit(ctx, tx, store.Event{Kind: store.EventConsentRevoked, ContactID: e.ContactID, PurposeID: e.PurposeID, Channel: e.Source})
	return before, err
}

func ptr[T any](v T) *T { return &v }

// eventColumns select an event of `consent_events e` with its text (eventFrom joins it).
const eventColumns = `e.at, e.status, e.source, e.evidence, e.recorded_by, e.purpose_id, e.given_at, e.consent_text_version, t.text, t.created_at, e.contact_id`

const eventFrom = ` FROM consent_events e LEFT JOIN consent_texts t ON t.purpose_id = e.purpose_id AND t.version = e.consent_text_version`

func scanEvent(row pgx.Row) (*model.ConsentEvent, error) {
	var ev model.ConsentEvent
	var (
		status      string
		version     *int
		text        *string
		textCreated *time.Time
	)
	if err := row.Scan(&ev.At, &status, &ev.Source, &ev.Evidence, &ev.RecordedBy, &ev.PurposeID, &ev.GivenAt, &version, &text, &textCreated,
		&ev.ContactID); err != nil {
		return nil, err
	}
	ev.Status = model.ConsentStatus(status)
	if version != nil && text != nil && textCreated != nil {
		ev.ConsentText = &model.ConsentText{Version: *version, Text: *text, CreatedAt: *textCreated}
	}
	return &ev, nil
}

// loadConsent reads the derived state of one consent with its whole history, oldest first.
func loadConsent(ctx context.Context, q store.Querier, contactID, purposeID string) (*model.Consent, error) {
	c := model.Consent{PurposeID: purposeID}
	var status string
	err := q.QueryRow(ctx, `SELECT id, status, granted_at, revoked_at FROM consent_state WHERE contact_id = $1 AND purpose_id = $2`,
		contactID, purposeID).Scan(&c.ID, &status, &c.GrantedAt, &c.RevokedAt)
	if err != nil {
		return nil, fmt.Errorf("load consent: %w", err)
	}
	c.Status = model.ConsentStatus(status)
	rows, err := q.Query(ctx, `SELECT `+eventColumns+eventFrom+` WHERE e.contact_id = $1 AND e.purpose_id = $2 ORDER BY e.id`,
		contactID, purposeID)
	if err != nil {
		return nil, fmt.Errorf("load consent history: %w", err)
	}
	c.History, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (*model.ConsentEvent, error) { return scanEvent(r) })
	if err != nil {
		return nil, fmt.Errorf("load consent history: %w", err)
	}
	return &c, nil
}

// ConsentsOfContacts returns each contact's consents with their history (ordered by purpose
// key), for the per-request loader; an integrator sees only those of its purposes.
func (s *Service) ConsentsOfContacts(ctx context.Context, contactIDs []string) ([][]*model.Consent, []error) {
	out := make([][]*model.Consent, len(contactIDs))
	errs := make([]error, len(contactIDs))
	err := s.consentsOf(ctx, contactIDs, out)
	if err != nil {
		for i := range errs {
			errs[i] = fmt.Errorf("consent.ConsentsOfContacts: %w", err)
		}
	}
	return out, errs
}

func (s *Service) consentsOf(ctx context.Context, contactIDs []string, out [][]*model.Consent) error {
	keys := boundKeys(ctx)
	rows, err := s.db.Pool.Query(ctx, `SELECT s.contact_id, s.id, s.purpose_id, s.status, s.granted_at, s.revoked_at
		FROM consent_state s JOIN purposes p ON p.id = s.purpose_id
		WHERE s.contact_id = ANY($1::uuid[]) AND ($2::text[] IS NULL OR p.key = ANY($2))
		ORDER BY p.key`, contactIDs, keys)
	if err != nil {
		return err
	}
	type ck struct{ contact, purpose string }
	byKey := map[ck]*model.Consent{}
	byContact := map[string][]*model.Consent{}
	err = scanEach(rows, func(r pgx.Row) error {
		var cid, status string
		c := &model.Consent{History: []*model.ConsentEvent{}}
		if err := r.Scan(&cid, &c.ID, &c.PurposeID, &status, &c.GrantedAt, &c.RevokedAt); err != nil {
			return err
		}
		c.Status = model.ConsentStatus(status)
		byKey[ck{cid, c.PurposeID}] = c
		byContact[cid] = append(byContact[cid], c)
		return nil
	})
	if err != nil {
		return err
	}
	rows, err = s.db.Pool.Query(ctx, `SELECT `+eventColumns+eventFrom+`
		WHERE e.contact_id = ANY($1::uuid[]) ORDER BY e.id`, contactIDs)
	if err != nil {
		return err
	}
	err = scanEach(rows, func(r pgx.Row) error {
		ev, err := scanEvent(r)
		if err != nil {
			return err
		}
		// events of purposes the caller may not see have no consent in byKey
		if c := byKey[ck{ev.ContactID, ev.PurposeID}]; c != nil {
			c.History = append(c.History, ev)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, id := range contactIDs {
		out[i] = byContact[id]
		if out[i] == nil {
			out[i] = []*model.Consent{}
		}
	}
	return nil
}

// ConsentProof returns the person's whole ledger, oldest first (Art. 7(1) GDPR): the events of
// every record of the person (store.PersonOrRecord: her "no" is said once and reaches all of
// them, her "yes" may be on any one), each naming its record, by (at, id). A merged record's id
// answers for the record it went into, which holds its events since the merge.
func (s *Service) ConsentProof(ctx context.Context, contactID string) ([]*model.ConsentEvent, error) {
	if err := store.CheckID("contactId", contactID); err != nil {
		return nil, err
	}
	if err := staffOnly(ctx, "a person's whole consent ledger"); err != nil {
		return nil, err
	}
	var out []*model.ConsentEvent
	err := pgx.BeginTxFunc(ctx, s.db.Pool, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		// the id the newsletter software or her old ticket holds, as for auditTrail and the export
		id, err := store.Survivor(ctx, tx, contactID)
		if err != nil {
			return err
		}
		if err := contactExists(ctx, tx, id); err != nil {
			return err
		}
		person, _, err := store.PersonOrRecord(ctx, tx, id, nil)
		if err != nil {
			return err
		}
		out, err = ledgerOf(ctx, tx, person)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("consent.ConsentProof(%s): %w", contactID, err)
	}
	return out, nil
}

// ledgerOf is the ledger of the records person, oldest first.
func ledgerOf(ctx context.Context, q store.Querier, person []string) ([]*model.ConsentEvent, error) {
	rows, err := q.Query(ctx, `SELECT `+eventColumns+eventFrom+` WHERE e.contact_id = ANY($1::uuid[]) ORDER BY e.at, e.id`, person)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*model.ConsentEvent, error) { return scanEvent(r) })
	if out == nil {
		out = []*model.ConsentEvent{}
	}
	return out, err
}

// ledgerTarget resolves the purpose of a ledger write (input.purposeKey) and locks the
// contact's row, so that the contact's ledger writes and its erasure take turns.
func ledgerTarget(ctx context.Context, tx pgx.Tx, contactID, purposeKey string) (*model.Purpose, error) {
	p, err := purposeByKey(ctx, tx, "input.purposeKey", purposeKey)
	if err != nil {
		return nil, err
	}
	if err := lockContact(ctx, tx, contactID); err != nil {
		return nil, err
	}
	return p, nil
}
