package requests

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/store"
)

// Requests lists requests by the deadline in force, earliest first (overdue ones lead).
// overdue true: open requests past their deadline; false: all others. after is the id of
// the last request of the previous page.
func (s *Service) Requests(ctx context.Context, status *model.RequestStatus, overdue *bool, first int, after string) ([]*model.DataSubjectRequest, error) {
	var afterDue *time.Time
	var afterID *string
	if after != "" {
		// The list has no cursors of its own: `after` is the id of the last request received.
		if err := store.CheckID("after", after); err != nil {
			return nil, err
		}
		var due time.Time
		err := s.db.Pool.QueryRow(ctx, `SELECT coalesce(extended_to, due_at) FROM data_subject_requests WHERE id = $1`, after).Scan(&due)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, apperr.BadInput("after", apperr.ReasonBadCursor, "no request with id %s; pass the id of the last request you received", after)
		}
		if err != nil {
			return nil, fmt.Errorf("requests.Requests: %w", err)
		}
		afterDue, afterID = &due, &after
	}
	var st *string
	if status != nil {
		v := string(*status)
		st = &v
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT `+requestColumns+` FROM data_subject_requests r
		WHERE ($1::text IS NULL OR r.status = $1)
		  AND ($2::boolean IS NULL OR $2 = (r.status = 'OPEN' AND coalesce(r.extended_to, r.due_at) < $3))
		  AND ($4::timestamptz IS NULL OR (coalesce(r.extended_to, r.due_at), r.id) > ($4, $5::uuid))
		ORDER BY coalesce(r.extended_to, r.due_at), r.id LIMIT $6`,
		st, overdue, s.Now(), afterDue, afterID, first)
	if err != nil {
		return nil, fmt.Errorf("requests.Requests: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*model.DataSubjectRequest, error) { return scanRequest(ctx, r) })
	if err != nil {
		return nil, fmt.Errorf("requests.Requests: %w", err)
	}
	return out, nil
}

// Counts returns how many open requests are overdue and how many fall due within DueSoon.
func (s *Service) Counts(ctx context.Context) (overdue, dueSoon int, err error) {
	now := s.Now()
	err = s.db.Pool.QueryRow(ctx, `SELECT
			count(*) FILTER (WHERE coalesce(extended_to, due_at) < $1),
			count(*) FILTER (WHERE coalesce(extended_to, due_at) >= $1 AND coalesce(extended_to, due_at) < $2)
		FROM data_subject_requests WHERE status = 'OPEN' AND coalesce(extended_to, due_at) < $2`,
		now, now.Add(DueSoon)).Scan(&overdue, &dueSoon)
	if err != nil {
		return 0, 0, fmt.Errorf("requests.Counts: %w", err)
	}
	return overdue, dueSoon, nil
}
