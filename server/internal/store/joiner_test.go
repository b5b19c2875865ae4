package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// heldFetch answers keys k with "v<k>" (none for negative keys), records each query's keys,
// and holds the first query until release is closed.
type heldFetch struct {
	mu      sync.Mutex
	queries [][]int
	started chan struct{}
	release chan struct{}
	fail    error
}

func (h *heldFetch) fetch(_ context.Context, keys []int, found func(int, string)) error {
	h.mu.Lock()
	h.queries = append(h.queries, slices.Clone(keys))
	first := len(h.queries) == 1
	h.mu.Unlock()
	if first {
		close(h.started)
		<-h.release
	}
	if h.fail != nil {
		return h.fail
	}
	for _, k := range keys {
		if k >= 0 {
			found(k, fmt.Sprintf("v%d", k))
		}
	}
	return nil
}

func waitPending(t *testing.T, j *Joiner[int, string], n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); j.Pending() != n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d lookups pending, want %d", j.Pending(), n)
		}
	}
}

// Lookups that arrive while a query runs share the next one; each gets the values of its
// own keys, once per key, and a key asked by several lookups is fetched once.
func TestJoinerSharesOneQuery(t *testing.T) {
	h := &heldFetch{started: make(chan struct{}), release: make(chan struct{})}
	j := NewJoiner(1, h.fetch)
	ctx := context.Background()
	go j.Lookup(ctx, 100)
	<-h.started
	type result struct {
		i    int
		vals []string
		err  error
	}
	results := make(chan result, 10)
	for i := range 10 {
		go func() {
			vals, err := j.Lookup(ctx, i, -i-1, i, 5) // its own key twice, a missing one, a shared one
			results <- result{i, vals, err}
		}()
	}
	waitPending(t, j, 10)
	close(h.release)
	for range 10 {
		r := <-results
		want := []string{fmt.Sprintf("v%d", r.i), "v5"}
		if r.i == 5 {
			want = []string{"v5"}
		}
		slices.Sort(r.vals)
		slices.Sort(want)
		if r.err != nil || !slices.Equal(r.vals, want) {
			t.Errorf("lookup %d = %v, %v; want %v", r.i, r.vals, r.err, want)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.queries) != 2 {
		t.Fatalf("%d queries, want 2: %v", len(h.queries), h.queries)
	}
	keys := slices.Clone(h.queries[1])
	slices.Sort(keys)
	if want := []int{-10, -9, -8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9}; !slices.Equal(keys, want) {
		t.Errorf("second query asked %v, want each key once: %v", keys, want)
	}
}

// A failed query fails every lookup it answers, with its error.
func TestJoinerFailsEveryWaiter(t *testing.T) {
	boom := errors.New("connection reset")
	h := &heldFetch{started: make(chan struct{}), release: make(chan struct{}), fail: boom}
	j := NewJoiner(1, h.fetch)
	ctx := context.Background()
	errs := make(chan error, 4)
	go func() { _, err := j.Lookup(ctx, 1); errs <- err }()
	<-h.started
	for i := range 3 {
		go func() { _, err := j.Lookup(ctx, i+2); errs <- err }()
	}
	waitPending(t, j, 3)
	close(h.release)
	for range 4 {
		if err := <-errs; !errors.Is(err, boom) {
			t.Errorf("err = %v, want %v", err, boom)
		}
	}
}

// A lone lookup does not wait for company, and lookups beyond maxInFlight queries queue.
func TestJoinerLoneLookupGoesAtOnce(t *testing.T) {
	var calls int
	j := NewJoiner(2, func(_ context.Context, keys []int, found func(int, string)) error {
		calls++
		found(keys[0], "x")
		return nil
	})
	for i := range 3 {
		vals, err := j.Lookup(context.Background(), i)
		if err != nil || len(vals) != 1 {
			t.Fatalf("lookup %d = %v, %v", i, vals, err)
		}
	}
	if calls != 3 {
		t.Errorf("%d queries for 3 lookups one after another, want 3", calls)
	}
}

// A fetch that panics fails its lookups with an error and frees its slot for the next ones.
func TestJoinerSurvivesAPanickingFetch(t *testing.T) {
	j := NewJoiner(1, func(_ context.Context, keys []int, found func(int, string)) error {
		if keys[0] < 0 {
			panic("bad key")
		}
		found(keys[0], "ok")
		return nil
	})
	if _, err := j.Lookup(context.Background(), -1); err == nil || !strings.Contains(err.Error(), "bad key") {
		t.Fatalf("err = %v, want the panic as an error", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if vals, err := j.Lookup(ctx, 1); err != nil || len(vals) != 1 {
		t.Fatalf("the next lookup = %v, %v; want [ok]", vals, err)
	}
}

// Lookups that gave up waiting are not given the next query: the next one that still waits
// sends it, and when all of them gave up the slot comes free for later lookups.
func TestJoinerHandsTheNextQueryToAWaitingLookup(t *testing.T) {
	h := &heldFetch{started: make(chan struct{}), release: make(chan struct{})}
	j := NewJoiner(1, h.fetch)
	first := make(chan error, 1)
	go func() { _, err := j.Lookup(context.Background(), 1); first <- err }()
	<-h.started
	gaveUp, cancel := context.WithCancel(context.Background())
	left := make(chan error, 1)
	go func() { _, err := j.Lookup(gaveUp, 2); left <- err }()
	waitPending(t, j, 1)
	stayed := make(chan []string, 1)
	go func() { vals, _ := j.Lookup(context.Background(), 3); stayed <- vals }()
	waitPending(t, j, 2)
	cancel()
	if err := <-left; !errors.Is(err, context.Canceled) {
		t.Fatalf("the lookup that gave up: %v", err)
	}
	close(h.release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	select {
	case vals := <-stayed:
		if !slices.Equal(vals, []string{"v3"}) {
			t.Errorf("the lookup that waited got %v, want [v3]", vals)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the lookup that waited was never answered")
	}

	// Every waiting lookup gives up: the slot is free again afterwards.
	h2 := &heldFetch{started: make(chan struct{}), release: make(chan struct{})}
	j2 := NewJoiner(1, h2.fetch)
	go j2.Lookup(context.Background(), 1)
	<-h2.started
	ctx2, cancel2 := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _, _ = j2.Lookup(ctx2, 2); close(done) }()
	waitPending(t, j2, 1)
	cancel2()
	<-done
	close(h2.release)
	ctx3, cancel3 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel3()
	if vals, err := j2.Lookup(ctx3, 4); err != nil || !slices.Equal(vals, []string{"v4"}) {
		t.Errorf("a later lookup = %v, %v; want [v4]", vals, err)
	}
}

// A Joiner runs one joint query per four connections of its pool, at least one: with
// pgxpool's default pool on a machine of up to four cores (four connections), one at a time.
func TestJoinSlotsFollowThePool(t *testing.T) {
	for _, c := range []struct {
		params string
		want   int
	}{{"?pool_max_conns=4", 1}, {"?pool_max_conns=2", 1}, {"?pool_max_conns=16", 4}, {"?pool_max_conns=30", 7}} {
		cfg, err := pgxpool.ParseConfig("postgres://nobody@127.0.0.1:1/none" + c.params)
		if err != nil {
			t.Fatal(err)
		}
		pool, err := pgxpool.NewWithConfig(context.Background(), cfg) // connects on first use only
		if err != nil {
			t.Fatal(err)
		}
		if got := JoinSlots(pool); got != c.want {
			t.Errorf("JoinSlots of a pool of %d connections = %d, want %d", cfg.MaxConns, got, c.want)
		}
		pool.Close()
	}
}
