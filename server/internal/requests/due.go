package requests

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/periodic"
	"github.com/vermerk/vermerk/server/internal/store"
)

// The channels of a REQUEST_DUE event.
const (
	ChannelDueSoon = "due-soon"
	ChannelOverdue = "overdue"
)

// SendDueEvents writes one REQUEST_DUE event for each open request that came within DueSoon
// of its deadline (channel due-soon) or passed it (channel overdue) since the last call, once
// per deadline in force (an extension sends them again). Safe on several instances at once:
// the UPDATE that marks a request as announced is what claims it.
func (s *Service) SendDueEvents(ctx context.Context) (sent int, err error) {
	now := s.Now()
	err = s.db.Transact(ctx, func(tx pgx.Tx) error {
		sent = 0
		for _, step := range []struct {
			channel, sql string
			args         []any
		}{
			{ChannelOverdue, `UPDATE data_subject_requests SET overdue_sent_at = $1, due_soon_sent_at = coalesce(due_soon_sent_at, $1)
				WHERE status = 'OPEN' AND overdue_sent_at IS NULL AND coalesce(extended_to, due_at) < $1
				RETURNING id::text, coalesce(contact_id::text, '')`, []any{now}},
			{ChannelDueSoon, `UPDATE data_subject_requests SET due_soon_sent_at = $1
				WHERE status = 'OPEN' AND due_soon_sent_at IS NULL AND coalesce(extended_to, due_at) < $2
				RETURNING id::text, coalesce(contact_id::text, '')`, []any{now, now.Add(DueSoon)}},
		} {
			rows, err := tx.Query(ctx, step.sql, step.args...)
			if err != nil {
				return err
			}
			type due struct{ id, contactID string }
			list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (due, error) {
				var d due
				return d, r.Scan(&d.id, &d.contactID)
			})
			if err != nil {
				return err
			}
			for _, d := range list {
				if _, err := store.Emit(ctx, tx, store.Event{Kind: store.EventRequestDue, ContactID: d.contactID, Channel: step.channel, Ref: d.id}); err != nil {
					return err
				}
			}
			sent += len(list)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("requests.SendDueEvents: %w", err)
	}
	return sent, nil
}

// WatchDue calls SendDueEvents every interval until ctx ends.
func (s *Service) WatchDue(ctx context.Context, every time.Duration, log *slog.Logger) {
	periodic.Run(ctx, every, func(ctx context.Context) {
		n, err := s.SendDueEvents(ctx)
		switch {
		case ctx.Err() != nil:
		case err != nil:
			log.Warn("requests: announcing requests that fall due failed; trying again later", "err", err)
		case n > 0:
			log.Info("requests: announced requests that fall due", "events", n)
		}
	})
}
