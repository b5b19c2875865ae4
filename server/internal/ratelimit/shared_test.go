package ratelimit

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/store"
)

// newDB is a migrated database of its own and the store on it, closed when t ends.
func newDB(t *testing.T) (string, *store.DB) {
	t.Helper()
	dbURL := pgtest.NewDB(t)
	db, err := store.Open(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return dbURL, db
}

// With three instances, one's usage row may commit after a later-numbered row of another: the
// third instance read the later one already, and must still charge the earlier one when it
// commits, or alternating between three instances gives a token more than one budget.
func TestSharedUsageCommittedOutOfOrderIsCharged(t *testing.T) {
	ctx := t.Context()
	dbURL, db := newDB(t)
	connect := func() *pgx.Conn {
		c, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close(context.Background()) })
		return c
	}
	slow, quick := connect(), connect()
	const insert = `INSERT INTO rate_limit_usage (instance, token_id, units) VALUES ($1, 'front-desk', $2)`

	b := Screen(nil, 10, nil) // bursts of 10
	const here = "00000000-0000-4000-8000-00000000000c"
	cur := newUsageCursor(0)
	tx, err := slow.Begin(ctx) // instance A's usage, numbered first, committed last
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, insert, "00000000-0000-4000-8000-00000000000a", 5); err != nil {
		t.Fatal(err)
	}
	if _, err := quick.Exec(ctx, insert, "00000000-0000-4000-8000-00000000000b", 1); err != nil {
		t.Fatal(err)
	}
	if err := b.share(ctx, db, here, cur); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.share(ctx, db, here, cur); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if left := b.limiter("front-desk", now).TokensAt(now); left > 4.5 {
		t.Fatalf("%.1f screens left of 10 after the other instances used 5 + 1; want about 4", left)
	}
}

// Usage that could not be written (the database unreachable for a moment) is written with the
// next share, not dropped: else the other instances never charge it.
func TestSharedUsageSurvivesAFailedWrite(t *testing.T) {
	ctx := t.Context()
	dbURL, db := newDB(t)
	gone, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	gone.Close() // every query on it fails

	b := Screen(nil, 10, nil)
	b.pending = map[string]int{}
	const here = "00000000-0000-4000-8000-00000000000c"
	cur := newUsageCursor(0)
	b.used("front-desk", 3)
	if err := b.share(ctx, gone, here, cur); err == nil {
		t.Fatal("share on a closed pool succeeded")
	}
	if err := b.share(ctx, db, here, cur); err != nil {
		t.Fatal(err)
	}
	var units int
	if err := db.Pool.QueryRow(ctx, `SELECT coalesce(sum(units), 0) FROM rate_limit_usage WHERE token_id = 'front-desk'`).Scan(&units); err != nil {
		t.Fatal(err)
	}
	if units != 3 {
		t.Fatalf("shared usage after a failed write and a good one: %d units, want the 3 used", units)
	}
}
