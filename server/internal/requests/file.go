package requests

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

const (
	maxChannel = 100
	maxNote    = 2000
	// clockSkew is how far in the future receivedAt may lie (a client clock running ahead).
	clockSkew = 5 * time.Minute
)

// FileRequest registers a request with its deadline, one month after it arrived.
func (s *Service) FileRequest(ctx context.Context, in model.RequestInput) (*model.DataSubjectRequest, error) {
	var errs apperr.List
	now := s.Now()
	received := now
	if in.ReceivedAt != nil {
		received = *in.ReceivedAt
		if received.After(now.Add(clockSkew)) {
			errs = append(errs, apperr.BadInput("input.receivedAt", apperr.ReasonReceivedInFuture,
				"receivedAt %s lies in the future; give the day the request arrived", received.Format(time.RFC3339)))
		}
	}
	channel := strings.TrimSpace(in.Channel)
	switch {
	case channel == "":
		errs = append(errs, apperr.BadInput("input.channel", apperr.ReasonRequired, "say how the request arrived (letter, e-mail, phone, …)"))
	case utf8.RuneCountInString(channel) > maxChannel:
		errs = append(errs, apperr.BadInput("input.channel", apperr.ReasonTooLong, "the channel is longer than %d characters", maxChannel))
	}
	var note *string
	if in.Note != nil {
		switch n := strings.TrimSpace(*in.Note); {
		case utf8.RuneCountInString(n) > maxNote:
			errs = append(errs, apperr.BadInput("input.note", apperr.ReasonTooLong, "the note is longer than %d characters", maxNote))
		case n != "":
			note = &n
		}
	}
	if !in.Kind.IsValid() {
		errs = append(errs, apperr.BadInput("input.kind", apperr.ReasonRequired, "%q is not a request kind", in.Kind))
	}
	if in.ContactID != nil {
		if err := store.CheckID("input.contactId", *in.ContactID); err != nil {
			errs = append(errs, err.(*apperr.Error))
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	// the channel is kept as proof after the person is erased: it may not quote anyone erased
	if err := s.refuseBlacklisted(ctx, "input.channel", channel); err != nil {
		return nil, err
	}
	due := DueAt(received, s.Location)
	actorID, actorName := viewer.Actor(ctx)
	var r *model.DataSubjectRequest
	err := s.db.Transact(ctx, func(tx pgx.Tx) error {
		if in.ContactID != nil {
			// a record merged away, also while this waited for it: the request is the survivor's,
			// as those filed before the merge
			into, err := store.LockSurvivor(ctx, tx, *in.ContactID, "FOR KEY SHARE")
			if errors.Is(err, apperr.ErrNotFound) {
				return apperr.BadInput("input.contactId", apperr.ReasonUnknownContact,
					"no contact with id %s; file the request without a contact if the person is not (or no longer) registered", *in.ContactID)
			}
			if err != nil {
				return err
			}
			in.ContactID = &into
			// the channel is kept as proof after the person is erased (the note is blanked)
			people, err := personOf(ctx, tx, in.ContactID)
			if err != nil {
				return err
			}
			if err := screening.RefuseMentions("input.channel", channel, screening.ContactCandidates(people)...); err != nil {
				return err
			}
			// The request holds every record of hers (retention): a deletion of one under way
			// commits before the request is acknowledged, or waits for it and sees it.
			ids := make([]string, len(people))
			for i, c := range people {
				ids[i] = c.ID
			}
			if err := store.LockRecords(ctx, tx, ids, "FOR KEY SHARE"); err != nil {
				return err
			}
			if err := refuseFiledAgain(ctx, tx, in.Kind, ids, received, channel, s.Location); err != nil {
				return err
			}
		}
		var err error
		r, err = scanRequest(ctx, tx.QueryRow(ctx, `INSERT INTO data_subject_requests AS r
			(kind, contact_id, received_at, due_at, channel, note, filed_by_id, filed_by_name)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING `+requestColumns,
			string(in.Kind), in.ContactID, received, due, channel, note, actorID, actorName))
		if err != nil {
			return err
		}
		return store.Audit(ctx, tx, store.AuditRecord{Operation: "fileRequest", TargetID: r.ID, ContactID: deref(in.ContactID),
			Outcome: fmt.Sprintf("filed %s request; due %s", in.Kind, due.Format(time.DateOnly))})
	})
	if err != nil {
		return nil, fmt.Errorf("requests.FileRequest: %w", err)
	}
	return r, nil
}

// ExtendRequest moves the deadline of an open request to the end of the day until, at most
// three months after the request arrived; the reason is kept and audited. toldAt (nil: now) is
// when the person was told of the extension and its reasons: Art. 12(3) GDPR asks for that
// within one month of receipt, so a toldAt after the request's due date — or in the future, or
// before it arrived — is refused and nothing changes. It is kept beside the extension.
func (s *Service) ExtendRequest(ctx context.Context, id string, until time.Time, reason string, toldAt *time.Time) (*model.DataSubjectRequest, error) {
	return s.changeOpen(ctx, "ExtendRequest", id, reason, func(tx pgx.Tx, cur *model.DataSubjectRequest, why string) (*model.DataSubjectRequest, error) {
		to := EndOfDay(until, s.Location)
		latest := LatestExtension(cur.ReceivedAt, s.Location)
		now := time.Now()
		told, toldField := now, "id"
		if toldAt != nil {
			told, toldField = *toldAt, "toldAt"
		}
		switch {
		case !to.After(cur.Deadline()):
			return nil, apperr.BadInput("until", apperr.ReasonExtensionNotLater,
				"the deadline is %s already; an extension must end later", cur.Deadline().In(s.Location).Format(time.DateOnly))
		case to.After(latest):
			return nil, apperr.BadInput("until", apperr.ReasonExtensionTooLong,
				"a deadline may be extended to three months after the request arrived at most, here %s (Art. 12(3) GDPR)",
				latest.Format(time.DateOnly))
		case told.After(now):
			return nil, apperr.BadInput(toldField, apperr.ReasonExtensionToldLate, "toldAt lies in the future")
		case told.Before(cur.ReceivedAt):
			return nil, apperr.BadInput(toldField, apperr.ReasonExtensionToldLate,
				"toldAt lies before the request arrived (%s)", cur.ReceivedAt.In(s.Location).Format(time.DateOnly))
		case told.After(cur.DueAt):
			return nil, apperr.BadInput(toldField, apperr.ReasonExtensionToldLate,
				"the person must be told of an extension within one month of receipt, by the end of %s (Art. 12(3) GDPR); "+
					"give toldAt if she was told in time", cur.DueAt.In(s.Location).Format(time.DateOnly))
		}
		r, err := scanRequest(ctx, tx.QueryRow(ctx, `UPDATE data_subject_requests AS r
			SET extended_to = $2, extension_reason = $3, extension_told_at = $4, due_soon_sent_at = NULL, overdue_sent_at = NULL
			WHERE r.id = $1 RETURNING `+requestColumns, id, to, why, told))
		if err != nil {
			return nil, err
		}
		return r, store.Audit(ctx, tx, store.AuditRecord{Operation: "extendRequest", TargetID: id, ContactID: deref(cur.ContactID),
			Outcome: "extended to " + to.Format(time.DateOnly) + "; the person told " + told.In(s.Location).Format(time.DateOnly), Reason: why})
	})
}

// RejectRequest closes an open request as REJECTED with the reason (e.g. manifestly
// unfounded, Art. 12(5)).
func (s *Service) RejectRequest(ctx context.Context, id, reason string) (*model.DataSubjectRequest, error) {
	return s.changeOpen(ctx, "RejectRequest", id, reason, func(tx pgx.Tx, cur *model.DataSubjectRequest, why string) (*model.DataSubjectRequest, error) {
		return s.close(ctx, tx, cur, model.RequestStatusRejected, why, nil, "")
	})
}

// changeOpen runs change on the open request id, locked, in one transaction, with the reason
// checked against the request's person (checkText). op names the operation in errors.
func (s *Service) changeOpen(ctx context.Context, op, id, reason string,
	change func(tx pgx.Tx, cur *model.DataSubjectRequest, why string) (*model.DataSubjectRequest, error)) (*model.DataSubjectRequest, error) {
	if err := store.CheckID("id", id); err != nil {
		return nil, err
	}
	// before the transaction: the blacklist lookup takes a connection of its own
	if err := s.refuseBlacklisted(ctx, "reason", reason); err != nil {
		return nil, err
	}
	var r *model.DataSubjectRequest
	err := s.db.Transact(ctx, func(tx pgx.Tx) error {
		cur, people, err := s.openForUpdate(ctx, tx, id)
		if err != nil {
			return err
		}
		why, err := checkText("reason", reason, people)
		if err != nil {
			return err
		}
		r, err = change(tx, cur, why)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("requests.%s(%s): %w", op, id, err)
	}
	return r, nil
}

// CompleteRequest closes an open request as DONE with the outcome, after doing what it asks:
// an ERASURE request erases the person (refused while an ACCESS request of the person is
// open: they are to get their data first); an OBJECTION or RESTRICTION request blocks every
// record of the person (a MANUAL blacklist entry, the records stay; the outcome is its
// reason); an ACCESS or PORTABILITY request produces the subject export of every record of
// the person, returned once in Export and recorded as handed over (with its SHA-256); a
// RECTIFICATION request is closed only when checked names every other record of the person
// (checkRectified): the correction holds for the person, not the one record staff found. keep
// names records that are someone else, for all of them.
func (s *Service) CompleteRequest(ctx context.Context, id, outcome string, keep, checked []string) (*model.DataSubjectRequest, error) {
	if err := store.CheckID("id", id); err != nil {
		return nil, err
	}
	if err := store.CheckIDs("keep", keep); err != nil {
		return nil, err
	}
	if err := store.CheckIDs("checked", checked); err != nil {
		return nil, err
	}
	cur, err := load(ctx, s.db.Pool, id, false)
	if err != nil {
		return nil, fmt.Errorf("requests.CompleteRequest(%s): %w", id, err)
	}
	if cur.Status != model.RequestStatusOpen {
		return nil, closedError(cur)
	}
	people, err := personOf(ctx, s.db.Pool, cur.ContactID)
	if err != nil {
		return nil, fmt.Errorf("requests.CompleteRequest(%s): %w", id, err)
	}
	var person *model.Contact // the record named, first of its person's (store.PersonContacts)
	if len(people) > 0 {
		person = people[0]
	}
	text, err := checkText("outcome", outcome, people)
	if err != nil {
		return nil, err
	}
	if err := s.refuseBlacklisted(ctx, "outcome", text); err != nil {
		return nil, err
	}
	var export *string
	switch {
	case person == nil:
		// No contact (any more): nothing is held about the person to erase or export.
	case cur.Kind == model.RequestKindErasure:
		// The erasure also blanks the notes of the person's requests (a trigger on contacts).
		refuse := func(ctx context.Context, tx pgx.Tx, records []string) error {
			return refuseWhileAccessOpen(ctx, tx, records, id)
		}
		if _, err := s.erase(ctx, person.ID, text, keep, refuse); err != nil {
			return nil, err
		}
	case cur.Kind == model.RequestKindObjection || cur.Kind == model.RequestKindRestriction:
		// The person gets nothing from then on, whichever record staff find her by; the
		// outcome is the entry's reason (checked above: it names nobody).
		if _, err := s.block(ctx, person.ID, text, keep, cur.Kind == model.RequestKindRestriction); err != nil {
			return nil, err
		}
	case cur.Kind == model.RequestKindAccess || cur.Kind == model.RequestKindPortability:
		doc, err := s.export(ctx, person.ID, keep)
		if err != nil {
			return nil, err
		}
		export = &doc
	}
	var r *model.DataSubjectRequest
	err = s.db.Transact(ctx, func(tx pgx.Tx) error {
		cur, err := load(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if cur.Status != model.RequestStatusOpen {
			return closedError(cur)
		}
		var did string
		if cur.Kind == model.RequestKindRectification && person != nil {
			if did, err = checkRectified(ctx, tx, person.ID, keep, checked); err != nil {
				return err
			}
		}
		r, err = s.close(ctx, tx, cur, model.RequestStatusDone, text, export, did)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("requests.CompleteRequest(%s): %w", id, err)
	}
	r.Export = export
	return r, nil
}

// refuseWhileAccessOpen: an erasure must not destroy what an open access request of the same
// person is still to hand over — on any of the records the erasure takes (records, locked by
// it: a request filed on one meanwhile committed before, or waits and then finds it gone).
func refuseWhileAccessOpen(ctx context.Context, tx pgx.Tx, records []string, except string) error {
	var open string
	err := tx.QueryRow(ctx, `SELECT r.id FROM data_subject_requests r
		WHERE r.contact_id = ANY($1::uuid[]) AND r.kind = 'ACCESS' AND r.status = 'OPEN' AND r.id <> $2
		ORDER BY r.received_at LIMIT 1`, records, except).Scan(&open)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open access requests: %w", err)
	}
	return apperr.BadInput("id", apperr.ReasonAccessRequestOpen,
		"the person has an open ACCESS request (%s); complete it first (the person is to get their data before it is erased), then complete this erasure", open)
}

// openForUpdate locks an open request and loads its contact (nil when none or gone).
func (s *Service) openForUpdate(ctx context.Context, tx pgx.Tx, id string) (*model.DataSubjectRequest, []*model.Contact, error) {
	cur, err := load(ctx, tx, id, true)
	if err != nil {
		return nil, nil, err
	}
	if cur.Status != model.RequestStatusOpen {
		return nil, nil, closedError(cur)
	}
	people, err := personOf(ctx, tx, cur.ContactID)
	return cur, people, err
}

// close sets the final status, audited; export, when set, is recorded as handed over; did
// (ids only) is added to the audit row's outcome.
func (s *Service) close(ctx context.Context, tx pgx.Tx, cur *model.DataSubjectRequest, status model.RequestStatus, text string, export *string, did string) (*model.DataSubjectRequest, error) {
	var sum []byte
	if export != nil {
		h := sha256.Sum256([]byte(*export))
		sum = h[:]
	}
	r, err := scanRequest(ctx, tx.QueryRow(ctx, `UPDATE data_subject_requests AS r
		SET status = $2, closed_at = $3::timestamptz, outcome = $4, export_sha256 = $5::bytea,
		    handed_over_at = CASE WHEN $5::bytea IS NULL THEN NULL ELSE $3::timestamptz END
		WHERE r.id = $1 RETURNING `+requestColumns, cur.ID, string(status), s.Now(), text, sum))
	if err != nil {
		return nil, err
	}
	op, outcome := "completeRequest", "done"
	if status == model.RequestStatusRejected {
		op, outcome = "rejectRequest", "rejected"
	}
	if sum != nil {
		outcome += fmt.Sprintf("; export handed over (sha256 %x)", sum)
	}
	if status == model.RequestStatusDone && cur.ContactID != nil {
		switch cur.Kind {
		case model.RequestKindErasure:
			outcome += "; person erased"
		case model.RequestKindObjection, model.RequestKindRestriction:
			outcome += "; person blocked"
		}
	}
	outcome += did
	err = store.Audit(ctx, tx, store.AuditRecord{Operation: op, TargetID: cur.ID, ContactID: deref(cur.ContactID),
		Outcome: outcome, Reason: text})
	return r, err
}

func closedError(r *model.DataSubjectRequest) error {
	return apperr.BadInput("id", apperr.ReasonRequestClosed, "the request is %s already (closed %s); file a new one if the person asks again",
		r.Status, r.ClosedAt.Format(time.DateOnly))
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// refuseFiledAgain refuses a request that is filed already: an open request of the same kind
// for a record of the same person, received the same day through the same channel. That is
// what a client sending a submission again files when the answer to the first was lost (the
// desktop app says then that it may have been saved); a second request would show a second
// deadline for one request, and the first one's is the law's. A request of the same kind on
// another day or by another channel is filed: the person asked again. The person's requests of
// a kind are filed one at a time (a transaction lock on her first record and the kind), so two
// such submissions at once file one. ids are the person's records.
func refuseFiledAgain(ctx context.Context, tx pgx.Tx, kind model.RequestKind, ids []string, received time.Time,
	channel string, loc *time.Location) error {
	first := slices.Min(ids)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('request:' || $1 || ':' || $2, 0))`,
		string(kind), first); err != nil {
		return err
	}
	y, m, d := received.In(loc).Date()
	dayStart := time.Date(y, m, d, 0, 0, 0, 0, loc)
	var id string
	var due time.Time
	err := tx.QueryRow(ctx, `SELECT id::text, coalesce(extended_to, due_at) FROM data_subject_requests
		WHERE kind = $1 AND contact_id = ANY($2::uuid[]) AND status = 'OPEN' AND channel = $3
			AND received_at >= $4 AND received_at < $5
		ORDER BY received_at, id LIMIT 1`, string(kind), ids, channel, dayStart, dayStart.AddDate(0, 0, 1)).Scan(&id, &due)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("requests filed already: %w", err)
	}
	return apperr.BadInput("input.contactId", apperr.ReasonRequestFiled,
		"this request is filed already: %s request %s of this person, received %s by the same channel, is open and due %s; "+
			"nothing was filed twice", kind, id, dayStart.Format(time.DateOnly), due.In(loc).Format(time.DateOnly))
}
