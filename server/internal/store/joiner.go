package store

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Joiner joins the read-only lookups of concurrent requests into one query: while
// maxInFlight queries run, new lookups wait and then go together in the next one. A lone
// lookup goes at once, so it waits for nothing; under load PostgreSQL parses, plans and
// answers one query for many requests instead of one each, which on a small machine is most
// of the work of a key lookup. Every query starts after the lookups it answers arrived, so
// it sees everything committed before them: joining never serves stale data.
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
	done chan struct{}
}

// JoinTimeout bounds one joint query; it serves several requests, so it cannot use the
// context of any one of them.
const JoinTimeout = 10 * time.Second

// NewJoiner returns a Joiner running at most maxInFlight queries at once; fetch looks up
// distinct keys and calls found for every value of a key (any number, in any order).
func NewJoiner[K comparable, V any](maxInFlight int, fetch func(ctx context.Context, keys []K, found func(K, V)) error) *Joiner[K, V] {
	return &Joiner[K, V]{fetch: fetch, maxInFlight: max(1, maxInFlight), maxBatch: 256}
}

// Lookup returns the values of keys, in the order fetch found them. If ctx ends first it
// returns ctx's error; the joint query goes on for the others. (A lookup that sends the
// query itself waits for it: the query has its own timeout.)
func (j *Joiner[K, V]) Lookup(ctx context.Context, keys ...K) ([]V, error) {
	w := &joinWait[K, V]{keys: keys, done: make(chan struct{})}
	j.mu.Lock()
	j.pending = append(j.pending, w)
	if j.inFlight < j.maxInFlight {
		// A free slot: this goroutine sends the query itself (no hand-over to another one),
		// with whatever else waits, and leaves later arrivals to a helper goroutine.
		j.inFlight++
		batch := j.take()
		j.mu.Unlock()
		j.answer(batch)
		j.mu.Lock()
		if len(j.pending) > 0 {
			go j.run()
		} else {
			j.inFlight--
		}
		j.mu.Unlock()
		return w.vals, w.err
	}
	j.mu.Unlock()
	select {
	case <-w.done:
		return w.vals, w.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// run sends joint queries until no lookup waits.
func (j *Joiner[K, V]) run() {
	for {
		j.mu.Lock()
		if len(j.pending) == 0 {
			j.inFlight--
			j.mu.Unlock()
			return
		}
		batch := j.take()
		j.mu.Unlock()
		j.answer(batch)
	}
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
