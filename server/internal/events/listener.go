package events

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vermerk/vermerk/server/internal/store"
)

// Channel is the notification channel vermerk_emit notifies at commit.
const Channel = "vermerk_events"

// readBatch bounds one catch-up query; a longer backlog is read in several.
const readBatch = 1000

// connect opens the listener's own connection (not from the pool: it holds LISTEN state and
// waits for notifications) and starts listening. It is configured like store.DB.Direct, the
// direct URL (VERMERK_LISTEN_DATABASE_URL), since a transaction pooler would hand the LISTEN
// to a server connection that other clients then get.
func (b *Bus) connect(ctx context.Context) (*pgx.Conn, error) {
	cfg := b.db.Direct().Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = "vermerk events listener"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("events: connect the listener: %w", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("events: LISTEN %s: %w", Channel, err)
	}
	return conn, nil
}

// listen runs until ctx ends: it reads and fans out new events, waits for a notification or
// the poll interval, and reconnects with backoff whenever the connection fails, reading
// through the pool meanwhile. After a reconnect it catches up from the last id it fanned out,
// so subscribers miss nothing.
func (b *Bus) listen(ctx context.Context, conn *pgx.Conn) {
	log := b.opts.Log
	backoff := 50 * time.Millisecond
	for {
		if conn == nil {
			var err error
			conn, err = b.connect(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				log.Warn("events listener: database unreachable, retrying", "in", backoff, "err", err)
				if !b.pollWhileDown(ctx, backoff) {
					return
				}
				backoff = min(backoff*2, b.opts.MaxBackoff)
				continue
			}
			log.Info("events listener reconnected; catching up", "after_id", b.Last())
			backoff = 50 * time.Millisecond
		}
		err := b.serve(ctx, conn)
		conn.Close(context.Background())
		conn = nil
		if ctx.Err() != nil {
			return
		}
		log.Warn("events listener lost its database connection; reconnecting", "err", err)
	}
}

// pollWhileDown reads and fans out new events through the pool every poll interval for d,
// while the listener cannot connect: its URL (VERMERK_LISTEN_DATABASE_URL) may be unreachable
// while the pool's is not, and subscribers must not wait for it to come back. False when ctx
// ended.
func (b *Bus) pollWhileDown(ctx context.Context, d time.Duration) bool {
	until := time.Now().Add(d)
	for {
		read, cancel := context.WithTimeout(ctx, 5*time.Second) // a database that is down too must not hold up the reconnection
		err := b.catchUp(read, b.db.Pool)
		cancel()
		if err != nil && ctx.Err() == nil {
			b.opts.Log.Debug("events: reading through the pool while the listener is down", "err", err)
		}
		wait := min(b.opts.Poll, time.Until(until))
		if wait <= 0 {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(wait):
		}
	}
}

// serve reads and fans out until the connection fails or ctx ends.
func (b *Bus) serve(ctx context.Context, conn *pgx.Conn) error {
	for {
		if err := b.catchUp(ctx, conn); err != nil {
			return err
		}
		wait, cancel := context.WithTimeout(ctx, b.opts.Poll)
		_, err := conn.WaitForNotification(wait)
		cancel()
		if err != nil && (ctx.Err() != nil || !pgconn.Timeout(err)) {
			return err
		}
	}
}

// catchUp fans out every event after the last one fanned out. vermerk_emit serialises
// event-writing transactions, so ids become visible in order and "id > last" skips none.
func (b *Bus) catchUp(ctx context.Context, q store.Querier) error {
	for {
		evs, err := readEvents(ctx, q, b.Last(), 0, nil, readBatch)
		if err != nil {
			return err
		}
		b.fanOut(evs)
		if len(evs) < readBatch {
			return nil
		}
	}
}

// readEvents reads up to limit events with after < id (<= through, unless 0) of the given
// kinds (all, if none), in id order.
func readEvents(ctx context.Context, q store.Querier, after, through int64, kinds []store.EventKind, limit int) ([]*event, error) {
	ks := make([]string, len(kinds))
	for i, k := range kinds {
		ks[i] = string(k)
	}
	rows, err := q.Query(ctx, `
		SELECT id, kind, at, coalesce(contact_id::text, ''), purpose_id::text, channel, ref
		FROM events
		WHERE id > $1::bigint AND ($2::bigint = 0 OR id <= $2::bigint) AND (cardinality($3::text[]) = 0 OR kind = ANY ($3))
		ORDER BY id
		LIMIT $4`, after, through, ks, limit)
	if err != nil {
		return nil, fmt.Errorf("events: read after %d: %w", after, err)
	}
	evs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*event, error) {
		var e event
		err := r.Scan(&e.ID, &e.Kind, &e.At, &e.ContactID, &e.PurposeID, &e.Channel, &e.Ref)
		return &e, err
	})
	if err != nil {
		return nil, fmt.Errorf("events: read after %d: %w", after, err)
	}
	return evs, nil
}
