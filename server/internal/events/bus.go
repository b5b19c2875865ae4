// Package events streams the outbox (table events) to GraphQL subscribers. One Bus per server
// instance LISTENs on the channel vermerk_events over a dedicated connection, reads the new
// rows on every notification (and on a poll, as a safety net), and fans them out in-process.
// Each subscriber has a bounded buffer; one that falls behind is closed with an error telling
// it to resume from its cursor, so a slow subscriber never holds up the others.
package events

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/store"
)

// Options tune a Bus; zero values take the defaults.
type Options struct {
	Log *slog.Logger
	// Buffer is how many events may queue for one subscriber before it is closed; default 1024.
	Buffer int
	// Poll is how often the table is read without a notification; default 1 s.
	Poll time.Duration
	// Retention is how long events are kept; default 90 days. PruneEvery defaults to 1 h.
	Retention  time.Duration
	PruneEvery time.Duration
	// MaxBackoff bounds the wait between reconnection attempts; default 5 s.
	MaxBackoff time.Duration
}

func (o *Options) defaults() {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Buffer <= 0 {
		o.Buffer = 1024
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Retention <= 0 {
		o.Retention = 90 * 24 * time.Hour
	}
	if o.PruneEvery <= 0 {
		o.PruneEvery = time.Hour
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Second
	}
}

// Bus implements graph.Events.
type Bus struct {
	db   *store.DB
	opts Options

	// Entries and Jobs load the payloads of blacklistChanged and importProgress; set them
	// before serving.
	Entries EntryLoader
	Jobs    ImportJobLoader
	entries entryMemo

	mu      sync.Mutex
	subs    map[*subscriber]struct{}
	last    int64 // id of the last event fanned out
	stopped bool

	cancel context.CancelFunc
	done   sync.WaitGroup
}

// New returns a Bus reading from db. Start it before the first subscription.
func New(db *store.DB, opts Options) *Bus {
	opts.defaults()
	return &Bus{db: db, opts: opts, subs: make(map[*subscriber]struct{})}
}

// event is one outbox row.
type event struct {
	ID        int64
	Kind      store.EventKind
	At        time.Time
	ContactID string
	PurposeID *string
	Channel   string
	Ref       string
	// revocation is what revocation subscribers receive, made once by fanOut.
	revocation *model.RevocationEvent
}

// subscriber receives the events its filter accepts. The Bus closes ch when the subscriber
// overflows or the Bus stops, after setting err; the subscriber's goroutine removes it when
// its context ends.
type subscriber struct {
	accept func(*event) bool
	ch     chan *event
	// coalesce: a full buffer drops the event instead of closing the subscriber, for streams
	// where each message carries the whole current state (import progress).
	coalesce bool
	internal bool // a worker of this instance (Committed), not a GraphQL subscription
	closed   bool
	err      error
	// direct, once set, delivers in place of ch: called by fanOut (under the Bus's lock) with
	// each accepted event; false means its queue is full. ended then runs (under the lock)
	// when the subscriber is closed, in place of closing ch.
	direct func(*event) bool
	ended  func(why error)
}

var errStopped = errors.New("server is shutting down")

// errOverflow is why a subscriber was closed for falling behind.
var errOverflow = errors.New("too many events queued for this subscriber")

// subscribe registers a subscriber and returns it with the id of the last event fanned out
// before it: every later event will reach it.
func (b *Bus) subscribe(accept func(*event) bool, buffer int, coalesce bool) (*subscriber, int64, error) {
	s := &subscriber{accept: accept, ch: make(chan *event, buffer), coalesce: coalesce}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopped {
		return nil, 0, errStopped
	}
	b.subs[s] = struct{}{}
	return s, b.last, nil
}

// unsubscribe removes s; safe to call after the Bus closed it.
func (b *Bus) unsubscribe(s *subscriber) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closeLocked(s, nil)
}

func (b *Bus) closeLocked(s *subscriber, err error) {
	if s.closed {
		return
	}
	s.closed, s.err = true, err
	delete(b.subs, s)
	if s.ended != nil {
		s.ended(err)
		return
	}
	close(s.ch)
}

// fanOut hands events (in id order) to every subscriber that accepts them, never blocking.
func (b *Bus) fanOut(evs []*event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range evs {
		if e.ID <= b.last {
			continue
		}
		b.last = e.ID
		if isRevocation(e) {
			e.revocation = toRevocation(e) // one for every subscriber
		}
		for s := range b.subs {
			if !s.accept(e) {
				continue
			}
			if s.direct != nil {
				if !s.direct(e) {
					b.closeLocked(s, errOverflow)
				}
				continue
			}
			select {
			case s.ch <- e:
			default:
				if !s.coalesce {
					b.closeLocked(s, errOverflow)
				}
			}
		}
	}
}

// Last is the id of the last event this instance has fanned out.
func (b *Bus) Last() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.last
}

// Subscribers is the number of open client subscriptions on this instance.
func (b *Bus) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for s := range b.subs {
		if !s.internal {
			n++
		}
	}
	return n
}

// Start connects the listener (failing if the database cannot be reached now), then keeps
// it running, reconnecting when the database goes away, and starts the pruner.
func (b *Bus) Start(ctx context.Context) error {
	conn, err := b.connect(ctx)
	if err != nil {
		return err
	}
	var last int64
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM events`).Scan(&last); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return errors.Join(errors.New("events.Start: read the last event id"), err)
	}
	b.mu.Lock()
	b.last = last
	b.mu.Unlock()

	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	b.cancel = cancel
	b.done.Add(2)
	go func() { defer b.done.Done(); b.listen(runCtx, conn) }()
	go func() { defer b.done.Done(); b.pruneLoop(runCtx) }()
	return nil
}

// Stop ends the listener and the pruner and closes every subscription with an error that
// tells the client to resume (on another instance, or after the restart).
func (b *Bus) Stop(context.Context) {
	b.mu.Lock()
	b.stopped = true
	for s := range b.subs {
		b.closeLocked(s, errStopped)
	}
	b.mu.Unlock()
	if b.cancel != nil {
		b.cancel()
	}
	b.done.Wait()
}
