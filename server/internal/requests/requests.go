// Package requests keeps the register of data-subject requests (Art. 15–21 GDPR, DESIGN rule
// 9): each with the day it arrived and its deadline (Art. 12(3): one month, extendable to
// three with a reason; see deadline.go for how months are counted). Completing an ERASURE
// request erases the person through the blacklist service, an OBJECTION or RESTRICTION
// request blocks the person there (the records stay); completing an ACCESS or
// PORTABILITY request produces the subject export and records its hand-over; a
// RECTIFICATION request is completed once every record of the person is named as checked
// (rectification.go). Every change is
// audited; closing texts may not name the person, as they outlive an erasure.
package requests

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/idempotency"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// EraseFunc erases the person of a contact everywhere but the records keep names, unless
// refuse, asked with her records locked, refuses them (blacklist.Service.EraseUnless).
type EraseFunc func(ctx context.Context, contactID, reason string, keep []string,
	refuse func(ctx context.Context, tx pgx.Tx, records []string) error) (*model.ErasureReceipt, error)

// BlockFunc blocks the person of a contact and keeps the records but those keep names
// (blacklist.Service.BlockPerson): what an OBJECTION or RESTRICTION request asks; restriction
// marks the latter, which her own sign-up does not end.
type BlockFunc func(ctx context.Context, contactID, reason string, keep []string, restriction bool) (*model.BlacklistEntry, error)

// ExportFunc returns everything stored about the person of a contact as JSON, leaving out the
// records keep names (consent.Service.SubjectAccessExport).
type ExportFunc func(ctx context.Context, contactID string, keep []string) (string, error)

// Service implements graph.Requests.
type Service struct {
	db     *store.DB
	erase  EraseFunc
	block  BlockFunc
	export ExportFunc
	// Blacklisted reports whether an e-mail or phone of c matches an active blacklist entry
	// (blacklist.Service.ScreenTx): texts that quote one are refused (refuseBlacklisted).
	Blacklisted func(ctx context.Context, c screening.Candidate) (bool, error)
	// Now and Location are the clock and the time zone deadlines are counted in (tests set them).
	Now      func() time.Time
	Location *time.Location
}

// New returns the register; erase, block and export are the services that do the work of a
// request.
func New(db *store.DB, erase EraseFunc, block BlockFunc, export ExportFunc) *Service {
	return &Service{db: db, erase: erase, block: block, export: export, Now: time.Now, Location: time.Local}
}

// DueSoon is how close a deadline counts as falling due (metrics, events, the desktop feed).
const DueSoon = 7 * 24 * time.Hour

const requestColumns = `r.id, r.kind, r.status, r.received_at, r.due_at, r.extended_to, r.contact_id::text,
	r.channel, r.note, r.closed_at, r.outcome, r.extension_reason, r.handed_over_at, r.quotes_dropped, r.extension_told_at`

// scanRequest reads a row of requestColumns. A mutation's answer may quote the request's note
// and channel, which an erasure blanks when they name the person: read with them, the count
// of such changes lets a kept answer go with them (idempotency.Claim.Quotes).
func scanRequest(ctx context.Context, row pgx.Row) (*model.DataSubjectRequest, error) {
	var (
		r            model.DataSubjectRequest
		kind, status string
		dropped      int64
	)
	err := row.Scan(&r.ID, &kind, &status, &r.ReceivedAt, &r.DueAt, &r.ExtendedTo, &r.ContactID,
		&r.Channel, &r.Note, &r.ClosedAt, &r.Outcome, &r.ExtensionReason, &r.HandedOverAt, &dropped, &r.ExtensionToldAt)
	if err != nil {
		return nil, err
	}
	r.Kind, r.Status = model.RequestKind(kind), model.RequestStatus(status)
	idempotency.From(ctx).Quotes(idempotency.Quote{Of: idempotency.RequestNote, ID: r.ID}, dropped)
	return &r, nil
}

// Request loads one request.
func (s *Service) Request(ctx context.Context, id string) (*model.DataSubjectRequest, error) {
	if err := store.CheckID("id", id); err != nil {
		return nil, err
	}
	r, err := load(ctx, s.db.Pool, id, false)
	if err != nil {
		return nil, fmt.Errorf("requests.Request(%s): %w", id, err)
	}
	return r, nil
}

// load reads a request, locked for update when lock is set; a missing one is NOT_FOUND.
func load(ctx context.Context, q store.Querier, id string, lock bool) (*model.DataSubjectRequest, error) {
	sql := `SELECT ` + requestColumns + ` FROM data_subject_requests r WHERE r.id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	r, err := scanRequest(ctx, q.QueryRow(ctx, sql, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, apperr.NotFoundf("no data-subject request with id %s", id)
	}
	return r, err
}
