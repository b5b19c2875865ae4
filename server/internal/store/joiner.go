package store

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Joiner joins the read-only lookups of concurrent requests into one query: while
// maxInFlight queries run, new lookups wait and then go together in the next one. A lone
// lookup goes at once, so it waits for nothing; under load PostgreSQL parses, plans and
// answers one query for many requests instead of one each, which on a small machine is most
// of the work of a key lookup. Every query starts after the lookups it answers arrived, so
// it sees everything committed before them: joining never serves stale data.
//
// A lookup that finds a free slot sends the query itself. When a query ends and lookups
// wait, the one that waited longest is woken to send the next query for all of them (it had
// to be woken anyway): no goroutine is started for it, and no other hand-over made.
//
// Values are shared by the lookups of the same key; callers must not modify them.
type Joiner[K comparable, V any] struct {
	fetch       func(ctx context.Context, keys []K, found func(K, V)) error
	maxInFlight int
	maxBatch    int // lookups per query

	mu       sync.Mutex
	pending  []*joinWait[K, V]
	inFlight int
}

type joinWait[K comparable, V any] struct {
	keys []K
	vals []V
	err  error
	// done gets true when the lookup is to send the query for batch (it then holds a slot),
	// and is closed when its values are in.
	done chan bool
	// batch and gone are guarded by the Joiner's mu: the lookups whose query this one sends,
	// and whether it gave up waiting (its context ended) before it was given any.
	batch []*joinWait[K, V]
	gone  bool
}

// JoinTimeout bounds one joint query; it serves several requests, so it cannot use the
// context of any one of them.
const JoinTimeout = 10 * time.Second

// JoinSlots is how many joint queries a Joiner on pool runs at once: one per four connections
// of the pool, at least one (one with pgxpool's default of four connections on a machine of up
// to four cores). Fewer queries at once make each one answer more lookups: on 2 cores,
// `make bench` measured one at a time against two (BENCH_SCALE=medium BENCH_ONLY=contact and
// screen, alternating runs, docs/performance.md) at 29–38 µs of the database's CPU per
// contact(id) against 44–52, and 55 against 80 µs per screen at 5,000/s; a lone lookup still
// goes at once. What it costs there: 32 clients leave a fifth of the machine idle, waiting on
// the one query.
func JoinSlots(pool *pgxpool.Pool) int {
	return max(1, int(pool.Config().MaxConns)/4)
}

// NewJoiner returns a Joiner running at most maxInFlight queries at once; fetch looks up
// distinct keys and calls found for every value of a key (any number, in any order).
func NewJoiner[K comparable, V any](maxInFlight int, fetch func(ctx context.Context, keys []K, found func(K, V)) error) *Joiner[K, V] {
	return &Joiner[K, V]{fetch: fetch, maxInFlight: max(1, maxInFlight), maxBatch: 256}
}

// Lookup returns the values of keys, in the order fetch found them. If ctx ends first it
// returns ctx's error; the joint query goes on for the others. (A lookup that sends the
// query itself waits for it: the query has its own timeout.)
func (j *Joiner[K, V]) Lookup(ctx context.Context, keys ...K) ([]V, error) {
	w := &joinWait[K, V]{keys: keys, done: make(chan bool, 1)}
	j.mu.Lock()
	j.pending = append(j.pending, w)
	if j.inFlight < j.maxInFlight {
		// A free slot: this goroutine sends the query itself, with whatever else waits.
		j.inFlight++
		batch := j.take()
		j.mu.Unlock()
		j.lead(batch)
		return w.vals, w.err
	}
	j.mu.Unlock()
	select {
	case lead := <-w.done:
		if lead { // the slot of a query that ended: send the next one
			j.lead(w.batch)
		}
		return w.vals, w.err
	case <-ctx.Done():
		j.mu.Lock()
		batch := w.batch
		w.gone = batch == nil
		j.mu.Unlock()
		if batch != nil {
			// Given the next query just as it gave up: the others wait for it.
			go j.lead(batch)
		}
		return nil, ctx.Err()
	}
}

// lead answers batch with one query, holding a slot, then hands the slot on: to the first
// waiting lookup of the next batch, or back when none waits.
func (j *Joiner[K, V]) lead(batch []*joinWait[K, V]) {
	j.answer(batch)
	j.mu.Lock()
	defer j.mu.Unlock()
	for len(j.pending) > 0 {
		next := j.take()
		for _, w := range next {
			if !w.gone {
				w.batch = next
				w.done <- true // buffered, and sent once: w left pending with this batch
				return
			}
		}
		for _, w := range next { // all of them gave up: nobody is left to answer
			w.err = context.Canceled
			close(w.done)
		}
	}
	j.inFlight--
}

// take removes the next batch from pending; j.mu is held.
func (j *Joiner[K, V]) take() []*joinWait[K, V] {
	n := min(len(j.pending), j.maxBatch)
	batch := j.pending[:n:n]
	j.pending = j.pending[n:]
	if len(j.pending) == 0 {
		j.pending = nil // let the backing array go
	}
	return batch
}

// answer runs one query for batch and hands each lookup the values of its own keys.
func (j *Joiner[K, V]) answer(batch []*joinWait[K, V]) {
	defer func() {
		// A panicking fetch fails this batch only: the slot it holds must come free, or the
		// lookups after it would wait for ever.
		if p := recover(); p != nil {
			err := fmt.Errorf("joint lookup panicked: %v", p)
			for _, w := range batch {
				w.vals, w.err = nil, err
			}
		}
		for _, w := range batch {
			close(w.done)
		}
	}()
	var keys []K
	want := make(map[K][]*joinWait[K, V], len(batch))
	for _, w := range batch {
		for _, k := range w.keys {
			ws := want[k]
			if len(ws) > 0 && ws[len(ws)-1] == w {
				continue // a key the lookup lists twice
			}
			if ws == nil {
				keys = append(keys, k)
			}
			want[k] = append(ws, w)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), JoinTimeout)
	defer cancel()
	err := j.fetch(ctx, keys, func(k K, v V) {
		for _, w := range want[k] {
			w.vals = append(w.vals, v)
		}
	})
	if err != nil {
		for _, w := range batch {
			w.vals, w.err = nil, err
		}
	}
}

// Pending is how many lookups wait for a query (for tests).
func (j *Joiner[K, V]) Pending() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.pending)
}
