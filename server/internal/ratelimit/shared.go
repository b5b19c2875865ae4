package ratelimit

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/store"
)

// shareEvery is how often an instance writes its usage and reads the others'; an instance
// can overspend a token's budget by at most what the token used elsewhere in this time.
const shareEvery = 250 * time.Millisecond

// Share keeps the screening budgets of all instances on db as one: until ctx ends, every
// shareEvery this instance writes what each token used here (rate_limit_usage) and takes what
// the other instances wrote from its own bucket for the token. Without Share the budget is
// per instance.
func (b *Blacklist) Share(ctx context.Context, db *store.DB, log *slog.Logger) (stopped <-chan struct{}) {
	var raw [16]byte
	_, _ = rand.Read(raw[:])
	instance := fmt.Sprintf("%x-%x-%x-%x-%x", raw[0:4], raw[4:6], raw[6:8], raw[8:10], raw[10:16])
	b.mu.Lock()
	b.pending = map[string]int{}
	b.mu.Unlock()
	done := make(chan struct{})
	go func() {
		defer close(done)
		var seen int64
		if err := db.Pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM rate_limit_usage`).Scan(&seen); err != nil && ctx.Err() == nil {
			log.Warn("rate limits: reading the shared usage", "err", err)
		}
		cur := newUsageCursor(seen)
		t := time.NewTicker(shareEvery)
		defer t.Stop()
		lastPrune := time.Now()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if err := b.share(ctx, db, instance, cur); err != nil && ctx.Err() == nil {
				log.Warn("rate limits: sharing usage with the other instances", "err", err)
			}
			if time.Since(lastPrune) > 10*time.Second {
				lastPrune = time.Now()
				if _, err := db.Pool.Exec(ctx, `DELETE FROM rate_limit_usage WHERE at < now() - interval '1 minute'`); err != nil && ctx.Err() == nil {
					log.Warn("rate limits: pruning the shared usage", "err", err)
				}
			}
		}
	}()
	return done
}

// holeWait is how long an id below the newest read is waited for: the usage row of an insert
// that had not committed when a later-numbered one was read (or one rolled back, never to come).
const holeWait = 5 * time.Second

// maxHoles bounds the ids of one gap that are waited for.
const maxHoles = 1000

// usageCursor is what an instance has read of the shared usage: every row up to seen, except
// the holes, ids below seen that were not visible yet when seen was read.
type usageCursor struct {
	seen  int64
	holes map[int64]time.Time // id → when it was found missing
}

func newUsageCursor(seen int64) *usageCursor {
	return &usageCursor{seen: seen, holes: map[int64]time.Time{}}
}

// share writes this instance's usage since the last call, then charges the local buckets with
// the other instances' usage written since the last read (cur), and moves cur on. Rows are
// numbered when inserted, not when committed: one may become visible after a later-numbered
// one was read, so the ids skipped are read again until holeWait has passed.
func (b *Blacklist) share(ctx context.Context, db *store.DB, instance string, cur *usageCursor) error {
	b.mu.Lock()
	pending := b.pending
	b.pending = map[string]int{}
	b.mu.Unlock()
	if len(pending) > 0 {
		tokens, units := make([]string, 0, len(pending)), make([]int32, 0, len(pending))
		for k, n := range pending {
			tokens, units = append(tokens, k), append(units, int32(n))
		}
		if _, err := db.Pool.Exec(ctx, `INSERT INTO rate_limit_usage (instance, token_id, units)
			SELECT $1, t, u FROM unnest($2::text[], $3::int[]) AS x (t, u)`, instance, tokens, units); err != nil {
			b.mu.Lock()
			for k, n := range pending { // written with the next share
				b.pending[k] += n
			}
			b.mu.Unlock()
			return err
		}
	}
	holes := make([]int64, 0, len(cur.holes))
	for id := range cur.holes {
		holes = append(holes, id)
	}
	// This instance's rows too (not charged): an id of its own is no hole.
	rows, err := db.Pool.Query(ctx, `SELECT id, token_id, units, instance = $2 FROM rate_limit_usage
		WHERE id > $1 OR id = ANY ($3::bigint[]) ORDER BY id`, cur.seen, instance, holes)
	if err != nil {
		return err
	}
	type use struct {
		id    int64
		token string
		units int
		own   bool
	}
	uses, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (use, error) {
		var u use
		return u, r.Scan(&u.id, &u.token, &u.units, &u.own)
	})
	if err != nil {
		return err
	}
	now := b.now()
	next := cur.seen
	for _, u := range uses {
		delete(cur.holes, u.id)
		if u.id > next {
			if u.id-next <= maxHoles { // a longer gap is rows pruned before this instance read them
				for missing := next + 1; missing < u.id; missing++ {
					cur.holes[missing] = now
				}
			}
			next = u.id
		}
		if u.own {
			continue
		}
		lim := b.limiter(u.token, now)
		for left := u.units; left > 0; left -= b.burst { // ReserveN refuses more than the burst at once
			lim.ReserveN(now, min(left, b.burst)) // may go below zero: the others spent it
		}
	}
	cur.seen = next
	for id, since := range cur.holes {
		if now.Sub(since) > holeWait {
			delete(cur.holes, id)
		}
	}
	return nil
}
