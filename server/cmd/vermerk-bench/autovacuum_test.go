package main

import (
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vermerk/vermerk/server/internal/pgtest"
)

// The bench sees an autovacuum worker that runs while it measures, names its table, and waits
// for it before the next window.
func TestTheBenchSeesAutovacuum(t *testing.T) {
	ctx := t.Context()
	pool, err := pgxpool.New(ctx, pgtest.NewEmptyDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	exec := func(sql string) {
		t.Helper()
		if _, err := pool.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	// Autovacuum looks at each database every second instead of every minute (this package's
	// cluster only).
	exec(`ALTER SYSTEM SET autovacuum_naptime = 1`)
	exec(`SELECT pg_reload_conf()`)
	t.Cleanup(func() {
		_, _ = pool.Exec(ctx, `ALTER SYSTEM RESET autovacuum_naptime`)
		_, _ = pool.Exec(ctx, `SELECT pg_reload_conf()`)
	})
	b := &bench{pool: pool}
	if running, err := b.autovacuumNow(ctx); err != nil || len(running) != 0 {
		t.Fatalf("before any write: autovacuum workers %q, %v", running, err)
	}
	// A table whose vacuum takes long enough to be sampled (seconds for 3,000,000 rows here).
	exec(`CREATE TABLE bench_vacuumed (i int, t text) WITH (autovacuum_vacuum_insert_threshold = 1000,
		autovacuum_vacuum_insert_scale_factor = 0, autovacuum_analyze_threshold = 1000, autovacuum_analyze_scale_factor = 0)`)
	watched := b.watchAutovacuum(ctx)
	exec(`INSERT INTO bench_vacuumed SELECT i, md5(i::text) FROM generate_series(1, 3000000) i`)
	deadline := time.Now().Add(60 * time.Second)
	for {
		var vacuumed bool
		if err := pool.QueryRow(ctx, `SELECT autovacuum_count > 0 FROM pg_stat_user_tables WHERE relname = 'bench_vacuumed'`).Scan(&vacuumed); err != nil {
			t.Fatal(err)
		}
		if vacuumed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("autovacuum did not vacuum bench_vacuumed within 60 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	seen := watched()
	if note := autovacuumNote(seen); !strings.Contains(note, "public.bench_vacuumed") {
		t.Errorf("the watch saw %q while autovacuum vacuumed bench_vacuumed; note %q", seen, note)
	}
	b.quiesce(ctx)
	if running, err := b.autovacuumNow(ctx); err != nil || len(running) != 0 {
		t.Errorf("after quiesce: autovacuum workers %q, %v", running, err)
	}
}
