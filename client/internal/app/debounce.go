package app

import (
	"context"
	"sync"
	"time"
)

// Answer is one delivered result of a Debounced fetch, tagged with its request's number.
type Answer[Q, A any] struct {
	Seq   uint64
	Query Q
	Value A
	Err   error
}

// Debounced runs fetch for the latest query delay after the last change and delivers only
// the answer to the latest query: every new query cancels the one in flight, and an answer
// that arrives after a newer query is dropped (stale).
type Debounced[Q, A any] struct {
	delay   time.Duration
	timeout time.Duration
	fetch   func(context.Context, Q) (A, error)
	deliver func(Answer[Q, A])
	// retryIf and retryAfter: a failed query that retryIf accepts runs again by itself
	// (RetryWhile).
	retryIf    func(error) bool
	retryAfter time.Duration

	mu      sync.Mutex
	seq     uint64
	last    Q
	hasLast bool
	timer   *time.Timer
	cancel  context.CancelFunc
	stopped bool
}

// NewDebounced returns a debouncer. deliver is called from a background goroutine with the
// debouncer's lock held (so a newer query cannot slip in between the stale check and the
// delivery): it must hand off quickly (fyne.Do) and must not call back into the debouncer.
func NewDebounced[Q, A any](delay time.Duration, fetch func(context.Context, Q) (A, error), deliver func(Answer[Q, A])) *Debounced[Q, A] {
	return &Debounced[Q, A]{delay: delay, timeout: 10 * time.Second, fetch: fetch, deliver: deliver}
}

// RetryWhile makes a failed query whose error retry accepts run again after delay, again and
// again until it gets an answer or a newer query replaces it; each failure is delivered. Call
// it before the first Set.
func (d *Debounced[Q, A]) RetryWhile(delay time.Duration, retry func(error) bool) {
	d.retryAfter, d.retryIf = delay, retry
}

// Set records a new query (a keystroke); fetch runs once the queries stop for delay.
func (d *Debounced[Q, A]) Set(q Q) { d.schedule(q, d.delay) }

// Now runs q at once, superseding anything pending.
func (d *Debounced[Q, A]) Now(q Q) { d.schedule(q, 0) }

// Refresh runs the last query again at once (e.g. the blacklist changed); no-op before any.
func (d *Debounced[Q, A]) Refresh() {
	d.mu.Lock()
	q, ok := d.last, d.hasLast
	d.mu.Unlock()
	if ok {
		d.schedule(q, 0)
	}
}

// Stop cancels what is pending; nothing is delivered afterwards.
func (d *Debounced[Q, A]) Stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stopped = true
	d.seq++
	d.halt()
}

func (d *Debounced[Q, A]) schedule(q Q, after time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped {
		return
	}
	d.seq++
	seq := d.seq
	d.last, d.hasLast = q, true
	d.halt()
	d.timer = time.AfterFunc(after, func() { d.run(seq, q) })
}

// halt stops the pending timer and cancels the request in flight; d.mu is held.
func (d *Debounced[Q, A]) halt() {
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
	if d.cancel != nil {
		d.cancel()
		d.cancel = nil
	}
}

func (d *Debounced[Q, A]) run(seq uint64, q Q) {
	ctx, cancel := context.WithTimeout(context.Background(), d.timeout)
	defer cancel()
	d.mu.Lock()
	if seq != d.seq {
		d.mu.Unlock()
		return
	}
	d.cancel = cancel
	d.mu.Unlock()

	v, err := d.fetch(ctx, q)

	d.mu.Lock()
	defer d.mu.Unlock()
	if seq != d.seq {
		return // a newer query superseded this one while it was in flight
	}
	d.cancel = nil
	d.deliver(Answer[Q, A]{Seq: seq, Query: q, Value: v, Err: err})
	if err != nil && d.retryIf != nil && d.retryIf(err) && !d.stopped {
		// The same query under the same number: a newer one or Stop halts this timer.
		d.timer = time.AfterFunc(d.retryAfter, func() { d.run(seq, q) })
	}
}
