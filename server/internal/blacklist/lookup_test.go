package blacklist

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/store"
)

// gatedQuerier counts queries and holds the first one until release is closed.
type gatedQuerier struct {
	store.Querier
	queries atomic.Int32
	started chan struct{}
	release chan struct{}
}

func (g *gatedQuerier) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if g.queries.Add(1) == 1 {
		close(g.started)
		<-g.release
	}
	return g.Querier.Query(ctx, sql, args...)
}

func newPool(t *testing.T) *pgxpool.Pool {
	pool, err := pgxpool.New(context.Background(), pgtest.NewDB(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func fakeHash(s string) string { h := sha256.Sum256([]byte(s)); return string(h[:]) }

// Screens that arrive while a lookup runs go together in one query, and each gets exactly
// the entries of its own hashes, once even when it lists a hash twice.
func TestScreenJoinerJoinsConcurrentLookups(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t)
	const n = 40
	entries := make([]string, n)
	for i := range n {
		kind := "EMAIL"
		if i%3 == 0 {
			kind = "PHONE"
		}
		if err := pool.QueryRow(ctx, `WITH e AS (INSERT INTO blacklist_entries (source, reason, key_id, identifier_kinds)
			VALUES ('MANUAL', $1, 'k1', ARRAY[$2]) RETURNING id)
			INSERT INTO blacklist_hashes (entry_id, kind, key_id, hash) SELECT id, $2, 'k1', $3 FROM e RETURNING entry_id::text`,
			fmt.Sprintf("generated entry %d", i), kind, []byte(fakeHash(fmt.Sprint("listed-", i)))).Scan(&entries[i]); err != nil {
			t.Fatal(err)
		}
	}
	// Entry 7 was removed: it matches nobody.
	if _, err := pool.Exec(ctx, `UPDATE blacklist_entries SET removed_at = now() WHERE id = $1`, entries[7]); err != nil {
		t.Fatal(err)
	}

	g := &gatedQuerier{Querier: pool, started: make(chan struct{}), release: make(chan struct{})}
	c := newScreenJoiner(g, nil, 1)
	first := make(chan error, 1)
	go func() {
		rows, err := c.Lookup(ctx, fakeHash("listed-0"))
		if err == nil && (len(rows) != 1 || rows[0].entry.ID != entries[0] || rows[0].kind != "PHONE") {
			err = fmt.Errorf("first lookup = %+v, want entry 0 by PHONE", rows)
		}
		first <- err
	}()
	<-g.started

	// While the first query is held, n more screens arrive: a listed hash and an unknown one each.
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rows, err := c.Lookup(ctx, fakeHash(fmt.Sprint("listed-", i)), fakeHash(fmt.Sprint("unknown-", i)), fakeHash(fmt.Sprint("listed-", i)))
			switch {
			case err != nil:
				errs <- err
			case i == 7 && len(rows) != 0:
				errs <- fmt.Errorf("screen %d matched removed entry: %+v", i, rows)
			case i != 7 && (len(rows) != 1 || rows[0].entry.ID != entries[i]):
				errs <- fmt.Errorf("screen %d = %+v, want only entry %s", i, rows, entries[i])
			}
		}()
	}
	// Wait until all n are queued behind the held query.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		queued := c.Pending()
		if queued == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d lookups queued", queued, n)
		}
	}
	close(g.release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if q := g.queries.Load(); q != 2 {
		t.Errorf("%d queries for 1 + %d screens, want 2 (the held one, then all the others together)", q, n)
	}
}

// A screen whose request is cancelled returns at once; the joint query goes on for the
// others.
func TestScreenJoinerCancelledLookup(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t)
	g := &gatedQuerier{Querier: pool, started: make(chan struct{}), release: make(chan struct{})}
	c := newScreenJoiner(g, nil, 1)
	other := make(chan error, 1)
	go func() {
		_, err := c.Lookup(ctx, fakeHash("a"))
		other <- err
	}()
	<-g.started
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.Lookup(cctx, fakeHash("b")); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled lookup: err = %v, want context.Canceled", err)
	}
	close(g.release)
	if err := <-other; err != nil {
		t.Fatalf("the other lookup failed: %v", err)
	}
}
