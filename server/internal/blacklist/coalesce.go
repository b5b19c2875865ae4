package blacklist

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/store"
)

// coalescer answers the screen query's lookups, and joins the lookups of screens that arrive
// together into one query: while maxInFlight queries run, new lookups wait and then go
// together in the next one. A lone screen goes at once, so it waits for nothing; under load
// (the desktop clients of a whole office typing) PostgreSQL parses, plans and answers one
// query for many screens instead of one each. Every lookup still starts after its screen
// arrived, so it sees every entry committed before.
type coalescer struct {
	db          store.Querier
	maxInFlight int
	maxBatch    int // screens per query

	mu       sync.Mutex
	pending  []*pendingLookup
	inFlight int
}

// pendingLookup is one screen's hashes and, once answered, its rows or the error.
type pendingLookup struct {
	hashes [][]byte
	rows   []hashRow
	err    error
	done   chan struct{}
}

// hashRow is one active entry holding one hash.
type hashRow struct {
	hash  string
	kind  string
	entry *model.BlacklistEntry
}

// lookupTimeout bounds one joint query; it serves several requests, so it cannot use the
// context of any one of them.
const lookupTimeout = 10 * time.Second

func newCoalescer(db store.Querier, maxInFlight int) *coalescer {
	return &coalescer{db: db, maxInFlight: max(1, maxInFlight), maxBatch: 256}
}

// lookup returns the active entries holding any of hashes (each row once per hash it holds).
func (c *coalescer) lookup(ctx context.Context, hashes [][]byte) ([]hashRow, error) {
	p := &pendingLookup{hashes: hashes, done: make(chan struct{})}
	c.mu.Lock()
	c.pending = append(c.pending, p)
	if c.inFlight < c.maxInFlight {
		c.inFlight++
		go c.run()
	}
	c.mu.Unlock()
	select {
	case <-p.done:
		return p.rows, p.err
	case <-ctx.Done():
		return nil, ctx.Err() // the joint query goes on for the others
	}
}

// run sends joint queries until no lookup waits.
func (c *coalescer) run() {
	for {
		c.mu.Lock()
		n := min(len(c.pending), c.maxBatch)
		if n == 0 {
			c.inFlight--
			c.mu.Unlock()
			return
		}
		batch := c.pending[:n:n]
		c.pending = c.pending[n:]
		if len(c.pending) == 0 {
			c.pending = nil // let the backing array go
		}
		c.mu.Unlock()
		c.answer(batch)
	}
}

// answer runs one query for batch and hands each lookup the rows of its own hashes.
func (c *coalescer) answer(batch []*pendingLookup) {
	defer func() {
		for _, p := range batch {
			close(p.done)
		}
	}()
	var hashes [][]byte
	want := map[string][]*pendingLookup{}
	for _, p := range batch {
		for _, h := range p.hashes {
			if want[string(h)] == nil {
				hashes = append(hashes, h)
			}
			want[string(h)] = append(want[string(h)], p)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	err := queryHashes(ctx, c.db, hashes, func(r hashRow) {
		for _, p := range want[r.hash] {
			e := *r.entry // each screen gets entries of its own
			p.rows = append(p.rows, hashRow{hash: r.hash, kind: r.kind, entry: &e})
		}
	})
	if err != nil {
		for _, p := range batch {
			p.rows, p.err = nil, err
		}
	}
}

// queryHashes runs the indexed hash lookup with q (one probe of blacklist_hashes per hash).
func queryHashes(ctx context.Context, q store.Querier, hashes [][]byte, each func(hashRow)) error {
	rows, err := q.Query(ctx, `SELECT `+entryColumns+`, h.kind, h.hash
		FROM blacklist_hashes h JOIN blacklist_entries e ON e.id = h.entry_id
		WHERE h.hash = ANY($1::bytea[]) AND e.removed_at IS NULL`, hashes)
	if err != nil {
		return fmt.Errorf("lookup: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			r    hashRow
			hash []byte
		)
		if r.entry, err = scanEntry(rows, &r.kind, &hash); err != nil {
			return fmt.Errorf("lookup: %w", err)
		}
		r.hash = string(hash)
		each(r)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("lookup: %w", err)
	}
	return nil
}
