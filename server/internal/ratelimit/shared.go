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
		t := time.NewTicker(shareEvery)
		defer t.Stop()
		lastPrune := time.Now()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			var err error
			if seen, err = b.share(ctx, db, instance, seen); err != nil && ctx.Err() == nil {
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

// share writes this instance's usage since the last call, then charges the local buckets with
// the other instances' usage written since seen, and returns the new seen.
func (b *Blacklist) share(ctx context.Context, db *store.DB, instance string, seen int64) (int64, error) {
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
			return seen, err
		}
	}
	rows, err := db.Pool.Query(ctx, `SELECT token_id, sum(units)::int, max(id) FROM rate_limit_usage
		WHERE id > $1 AND instance <> $2 GROUP BY token_id`, seen, instance)
	if err != nil {
		return seen, err
	}
	type use struct {
		token   string
		units   int
		through int64
	}
	uses, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (use, error) {
		var u use
		return u, r.Scan(&u.token, &u.units, &u.through)
	})
	if err != nil {
		return seen, err
	}
	now := b.now()
	for _, u := range uses {
		lim := b.limiter(u.token, now)
		for left := u.units; left > 0; left -= b.burst { // ReserveN refuses more than the burst at once
			lim.ReserveN(now, min(left, b.burst)) // may go below zero: the others spent it
		}
		seen = max(seen, u.through)
	}
	return seen, nil
}
