package main

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"
)

// The database CPU of a figure is that of the whole cluster (every process of it, cpu.go), so
// an autovacuum worker cleaning up after an earlier group's seeds is charged to the figure
// measured while it runs, and so is a checkpoint writing out the pages an earlier group's seeds
// left dirty (or a backend of the measured work writing them out to evict them): the large run
// of 2026-12-01 05:03 UTC spent 28.4 µs of the database's CPU per row on its first import
// against 19.9 µs on the one right after it. Before each measured window the bench waits until
// no autovacuum worker runs and then checkpoints (quiesce); during the window it notes the
// autovacuum workers that start (watchAutovacuum), and a figure names them in its note. An
// autovacuum or checkpoint that the measured work itself causes (an import's own tables and
// WAL) is part of its cost and stays in it.

// autovacuumSettleLimit is how long the bench waits for autovacuum before measuring anyway.
const autovacuumSettleLimit = 3 * time.Minute

// autovacuumWorkers is what the cluster's autovacuum workers are doing now, as
// "database: VACUUM public.table" (table names only: no row data).
const autovacuumWorkers = `SELECT coalesce(datname, '') || ': ' || regexp_replace(query, '^autovacuum: ', '')
	FROM pg_stat_activity WHERE backend_type = 'autovacuum worker' AND query <> '' ORDER BY 1`

func (b *bench) autovacuumNow(ctx context.Context) ([]string, error) {
	rows, err := b.pool.Query(ctx, autovacuumWorkers)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var running []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		running = append(running, s)
	}
	return running, rows.Err()
}

// quiesce waits until no autovacuum worker runs in the cluster (at most autovacuumSettleLimit;
// it says so when it waited), then writes out the dirty pages with a CHECKPOINT.
func (b *bench) quiesce(ctx context.Context) {
	b.awaitAutovacuum(ctx)
	if _, err := b.pool.Exec(ctx, `CHECKPOINT`); err != nil {
		b.progress("CHECKPOINT before measuring failed: %v", err)
	}
}

func (b *bench) awaitAutovacuum(ctx context.Context) {
	t0 := time.Now()
	var seen []string
	for {
		running, err := b.autovacuumNow(ctx)
		if err != nil {
			b.progress("autovacuum: cannot read pg_stat_activity: %v", err)
			return
		}
		if len(running) == 0 {
			if len(seen) > 0 {
				b.progress("waited %s for autovacuum to finish (%s)", time.Since(t0).Round(100*time.Millisecond), strings.Join(seen, "; "))
			}
			return
		}
		for _, r := range running {
			if !slices.Contains(seen, r) {
				seen = append(seen, r)
			}
		}
		if time.Since(t0) > autovacuumSettleLimit {
			b.progress("autovacuum still running after %s, measuring anyway (%s)", autovacuumSettleLimit, strings.Join(seen, "; "))
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// watchAutovacuum samples the cluster's autovacuum workers every 250 ms until the returned
// function is called, which gives the distinct ones seen.
func (b *bench) watchAutovacuum(ctx context.Context) (stop func() []string) {
	ctx, cancel := context.WithCancel(ctx)
	var (
		mu   sync.Mutex
		seen []string
		wg   sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			running, _ := b.autovacuumNow(ctx) // a failed sample is a sample missed
			mu.Lock()
			for _, r := range running {
				if !slices.Contains(seen, r) {
					seen = append(seen, r)
				}
			}
			mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return func() []string {
		cancel()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		return seen
	}
}

// autovacuumNote is the note of a figure measured while autovacuum workers ran.
func autovacuumNote(seen []string) string {
	if len(seen) == 0 {
		return ""
	}
	return "autovacuum ran during it: " + strings.Join(seen, "; ")
}
