// Package fanout measures the revocation fan-out of server instances sharing one database:
// WebSocket subscribers spread over the instances, revocations committed into the database,
// commit-to-receipt latencies and lost deliveries. For vermerk-bench and the tests; the
// server never imports it.
package fanout

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/apptest/gqlws"
)

// Config describes one fan-out measurement: Subscribers WebSocket connections spread
// round-robin over the instances at URLs, each subscribed to revocations, and Events
// revocations committed one transaction each into the database at DBURL.
type Config struct {
	URLs        []string // ws://host/graphql of every server instance
	Token       string   // an ADMIN bearer token valid on every instance
	DBURL       string   // the database the instances share
	Subscribers int      // default 1000
	Events      int      // default 100
	// Interval is the pause between two commits; default 10 ms.
	Interval time.Duration
	// Wait bounds how long, after the last commit, stragglers may take; default 10 s.
	Wait time.Duration
	// Subscribed, when set, runs once every subscriber is connected and registered, before
	// the measured events (to take the servers' memory, say).
	Subscribed func()
	// Received, when set, runs once every subscriber has received the last measured event
	// (or Wait ran out), before the connections are closed (to take the CPU used, say).
	Received func()
}

// Result is what Measure saw. Latency is from just before COMMIT is sent to the
// moment a subscriber has read and decoded the event from its WebSocket.
type Result struct {
	Subscribers, Events int
	Delivered           int // (subscriber, event) pairs received
	Lost                int // pairs never received within Wait
	Duplicates          int
	Failed              int // subscriptions that ended with an error or lost their connection
	P50, P99, Max       time.Duration
}

func (r Result) String() string {
	return fmt.Sprintf("revocation fan-out: %d subscribers, %d events: p50 %v, p99 %v, max %v commit-to-receipt; delivered %d, lost %d, duplicates %d, failed subscriptions %d",
		r.Subscribers, r.Events, r.P50.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond), r.Max.Round(10*time.Microsecond),
		r.Delivered, r.Lost, r.Duplicates, r.Failed)
}

type receipt struct {
	id int64
	at time.Time
}

type fanoutSub struct {
	conn     *gqlws.Conn
	mu       sync.Mutex
	got      []receipt
	err      error
	notify   chan struct{} // pinged on every receipt
	received int64         // highest id seen
}

// Measure runs the revocation fan-out benchmark against running servers. It commits
// real CONSENT_REVOKED events (random contact ids, channel "bench") into cfg.DBURL.
func Measure(ctx context.Context, cfg Config) (Result, error) {
	if len(cfg.URLs) == 0 || cfg.DBURL == "" {
		return Result{}, errors.New("fanout.Measure: give the instances' WebSocket URLs and the database URL")
	}
	if cfg.Subscribers <= 0 {
		cfg.Subscribers = 1000
	}
	if cfg.Events <= 0 {
		cfg.Events = 100
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 10 * time.Millisecond
	}
	if cfg.Wait <= 0 {
		cfg.Wait = 10 * time.Second
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	db, err := pgx.Connect(ctx, cfg.DBURL)
	if err != nil {
		return Result{}, fmt.Errorf("fanout.Measure: %w", err)
	}
	defer db.Close(context.WithoutCancel(ctx))

	subs, err := connectSubscribers(ctx, cfg)
	defer func() {
		for _, s := range subs {
			if s != nil && s.conn != nil {
				_ = s.conn.CloseNow()
			}
		}
	}()
	if err != nil {
		return Result{}, err
	}
	var wg sync.WaitGroup
	for _, s := range subs {
		wg.Add(1)
		go func() { defer wg.Done(); s.read(ctx) }()
	}

	// Subscriptions have no acknowledgement: commit warm-up events until every subscriber has
	// received one, so all are registered before the measured events.
	var warm int64
	deadline := time.Now().Add(30 * time.Second)
	for {
		if warm, err = emitRevocation(ctx, db, nil); err != nil {
			return Result{}, err
		}
		if waitAll(ctx, subs, warm, 500*time.Millisecond) {
			break
		}
		if time.Now().After(deadline) {
			return Result{}, errors.New("fanout.Measure: not every subscriber received the warm-up events within 30 s")
		}
	}

	if cfg.Subscribed != nil {
		cfg.Subscribed()
	}
	sentAt := make(map[int64]time.Time, cfg.Events)
	var last int64
	for i := range cfg.Events {
		if i > 0 {
			time.Sleep(cfg.Interval)
		}
		var t0 time.Time
		if last, err = emitRevocation(ctx, db, &t0); err != nil {
			return Result{}, err
		}
		sentAt[last] = t0
	}
	waitAll(ctx, subs, last, cfg.Wait)
	if cfg.Received != nil {
		cfg.Received()
	}
	cancel()
	for _, s := range subs {
		_ = s.conn.CloseNow()
	}
	wg.Wait()

	res := Result{Subscribers: cfg.Subscribers, Events: cfg.Events}
	var lat []time.Duration
	for _, s := range subs {
		seen := make(map[int64]bool, cfg.Events)
		for _, r := range s.got {
			t0, measured := sentAt[r.id]
			if !measured {
				continue
			}
			if seen[r.id] {
				res.Duplicates++
				continue
			}
			seen[r.id] = true
			lat = append(lat, max(r.at.Sub(t0), 0))
		}
		res.Delivered += len(seen)
		res.Lost += cfg.Events - len(seen)
		if s.err != nil && !errors.Is(s.err, context.Canceled) {
			res.Failed++
		}
	}
	if len(lat) > 0 {
		slices.Sort(lat)
		res.P50 = lat[len(lat)*50/100]
		res.P99 = lat[min(len(lat)*99/100, len(lat)-1)]
		res.Max = lat[len(lat)-1]
	}
	return res, nil
}

func connectSubscribers(ctx context.Context, cfg Config) ([]*fanoutSub, error) {
	subs := make([]*fanoutSub, cfg.Subscribers)
	errs := make(chan error, cfg.Subscribers)
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	for i := range subs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			c, err := gqlws.Dial(dctx, cfg.URLs[i%len(cfg.URLs)], cfg.Token, nil)
			if err == nil {
				err = c.Subscribe(dctx, "1", `subscription { revocations { cursor } }`, nil)
			}
			if err != nil {
				errs <- fmt.Errorf("fanout.Measure: subscriber %d: %w", i, err)
				return
			}
			subs[i] = &fanoutSub{conn: c, notify: make(chan struct{}, 1)}
		}()
	}
	wg.Wait()
	close(errs)
	return subs, <-errs
}

// read records receipts until the connection is closed (Measure closes it to stop). Every
// message is checked, but the 10,000 readers share the CPU with the servers, so only the
// first event is decoded in full (type next, operation "1", no errors, a numeric cursor): a
// later message is taken without decoding when it is that message byte for byte with other
// digits as the cursor, and decoded in full otherwise.
func (s *fanoutSub) read(ctx context.Context) {
	var buf []byte
	var shape nextShape
	for {
		var id int64
		var skip bool
		var err error
		buf, err = s.conn.ReadRaw(buf)
		if err == nil {
			var ok bool
			if id, ok = shape.match(buf); !ok {
				id, skip, err = s.decode(buf, &shape)
			}
		}
		if skip {
			continue
		}
		at := time.Now()
		s.mu.Lock()
		if err != nil {
			if ctx.Err() != nil {
				err = context.Canceled
			}
			s.err = err
			s.mu.Unlock()
			select {
			case s.notify <- struct{}{}:
			default:
			}
			return
		}
		s.got = append(s.got, receipt{id, at})
		s.received = max(s.received, id)
		s.mu.Unlock()
		select {
		case s.notify <- struct{}{}:
		default:
		}
	}
}

// decode reads a message in full: the event id of a next message (and its shape, for the
// messages after it), skip for ping and pong (a ping is answered), an error for anything else.
func (s *fanoutSub) decode(b []byte, shape *nextShape) (id int64, skip bool, err error) {
	m, err := gqlws.Decode(b)
	if err != nil {
		return 0, false, err
	}
	switch m.Type {
	case "ping":
		return 0, true, s.conn.Pong(context.Background())
	case "pong":
		return 0, true, nil
	case "next":
	default:
		return 0, false, fmt.Errorf("subscription ended with %s: %s", m.Type, m.Payload)
	}
	var p struct {
		Data   struct{ Revocations struct{ Cursor string } }
		Errors []gqlws.Error
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil {
		return 0, false, err
	}
	if m.ID != "1" || len(p.Errors) > 0 {
		return 0, false, fmt.Errorf("unexpected message %s", b)
	}
	cursor := p.Data.Revocations.Cursor
	if id, err = strconv.ParseInt(cursor, 10, 64); err != nil {
		return 0, false, err
	}
	shape.learn(b, cursor)
	return id, false, nil
}

// nextShape is a next message as bytes around its cursor's digits.
type nextShape struct{ prefix, suffix []byte }

// learn takes the shape of b, a next message fully checked, whose cursor is cursor.
func (n *nextShape) learn(b []byte, cursor string) {
	needle := []byte(`"cursor":"` + cursor + `"`)
	if bytes.Count(b, needle) != 1 {
		return
	}
	i := bytes.Index(b, needle) + len(`"cursor":"`)
	n.prefix = slices.Clone(b[:i])
	n.suffix = slices.Clone(b[i+len(cursor):])
}

// match is the cursor of b when b has the learned shape with only digits as its cursor.
func (n *nextShape) match(b []byte) (int64, bool) {
	if n.prefix == nil || len(b) <= len(n.prefix)+len(n.suffix) || !bytes.HasPrefix(b, n.prefix) || !bytes.HasSuffix(b, n.suffix) {
		return 0, false
	}
	digits := b[len(n.prefix) : len(b)-len(n.suffix)]
	if len(digits) > 18 {
		return 0, false
	}
	var id int64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		id = id*10 + int64(c-'0')
	}
	return id, true
}

// waitAll waits until every subscriber has received id (or failed), at most d.
func waitAll(ctx context.Context, subs []*fanoutSub, id int64, d time.Duration) bool {
	timeout := time.After(d)
	for _, s := range subs {
		for {
			s.mu.Lock()
			done := s.received >= id || s.err != nil
			s.mu.Unlock()
			if done {
				break
			}
			select {
			case <-s.notify:
			case <-timeout:
				return false
			case <-ctx.Done():
				return false
			}
		}
	}
	return true
}

// emitRevocation commits one CONSENT_REVOKED event and returns its id; sent, if not nil, is
// set to the time just before COMMIT was sent.
func emitRevocation(ctx context.Context, db *pgx.Conn, sent *time.Time) (int64, error) {
	tx, err := db.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("fanout.Measure: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var id int64
	if err := tx.QueryRow(ctx, `SELECT vermerk_emit('CONSENT_REVOKED', gen_random_uuid(), NULL, 'bench', '')`).Scan(&id); err != nil {
		return 0, fmt.Errorf("fanout.Measure: emit: %w", err)
	}
	if sent != nil {
		*sent = time.Now()
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("fanout.Measure: commit: %w", err)
	}
	return id, nil
}
