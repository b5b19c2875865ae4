package pgtest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/pgtest"
)

// lockIn takes the advisory lock key on a connection of its own to dbURL, which keeps it until
// the test ends.
func lockIn(t *testing.T, dbURL string, key int64) {
	t.Helper()
	if _, err := pgtest.Connect(t, dbURL).Exec(t.Context(), `SELECT pg_advisory_lock($1)`, key); err != nil {
		t.Fatal(err)
	}
}

// waitIn asks for the advisory lock key on a connection of its own to dbURL, in the background.
func waitIn(t *testing.T, dbURL string, key int64) {
	t.Helper()
	background(t, pgtest.Connect(t, dbURL), `SELECT pg_advisory_lock($1)`, key)
}

// background runs sql on conn in a goroutine, cancelled and waited for before conn closes.
func background(t *testing.T, conn *pgx.Conn, sql string, args ...any) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn.Exec(ctx, sql, args...) //nolint:errcheck // cancelled when the test ends
	}()
	t.Cleanup(func() { cancel(); <-done })
}

func TestWaitForWaitersCountsTheSessionsOfItsDatabase(t *testing.T) {
	db, other := pgtest.NewDB(t), pgtest.NewDB(t)
	watch := pgtest.Connect(t, db)
	lockIn(t, db, 42)
	lockIn(t, other, 42)
	waitIn(t, other, 42) // a waiter of another test's database
	for i := range 2 {
		waitIn(t, db, 42)
		pgtest.WaitForWaiters(t, watch, i+1, pgtest.AdvisoryLock(42))
	}
	pgtest.WaitForWaiters(t, watch, 2, pgtest.AdvisoryLocks)

	stop := time.Now().Add(500 * time.Millisecond)
	for _, c := range []struct {
		n     int
		locks pgtest.Locks
	}{
		{3, pgtest.AdvisoryLock(42)}, // the other database's waiter does not count
		{1, pgtest.AdvisoryLock(43)},
		{1, pgtest.AdvisoryLockPair(0, 42)},
		{1, pgtest.AdvisoryLocks.Except(pgtest.AdvisoryLock(42))},
		{1, pgtest.RowLocks},
		{1, pgtest.TableLock("contacts")},
	} {
		if pgtest.WaitForWaitersOrDone(t, watch, c.n, c.locks, func() bool { return time.Now().After(stop) }) {
			t.Errorf("WaitForWaiters(%d, %s) found them; want not", c.n, c.locks)
		}
	}
}

func TestWaitForWaitersSeesRowAndTableLocks(t *testing.T) {
	db := pgtest.NewDB(t)
	watch := pgtest.Connect(t, db)
	ctx := t.Context()
	holder := pgtest.Connect(t, db)
	for _, sql := range []string{`CREATE TABLE rows_here (id int PRIMARY KEY)`, `CREATE TABLE table_here (id int)`,
		`BEGIN`, `INSERT INTO rows_here VALUES (1)`} {
		if _, err := holder.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	// the same key as a row another transaction inserted and has not committed: it waits for that one
	background(t, pgtest.Connect(t, db), `INSERT INTO rows_here VALUES (1)`)
	pgtest.WaitForWaiters(t, watch, 1, pgtest.RowLocks)
	pgtest.WaitForWaiters(t, watch, 1, pgtest.AnyLock.Except(pgtest.AdvisoryLocks))

	if _, err := holder.Exec(ctx, `LOCK TABLE table_here IN EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	background(t, pgtest.Connect(t, db), `INSERT INTO table_here VALUES (1)`)
	pgtest.WaitForWaiters(t, watch, 1, pgtest.TableLock("table_here"))
	if got := pgtest.LockTable(ctx, watch); !strings.Contains(got, "waits for relation table_here RowExclusiveLock") ||
		!strings.Contains(got, "holds relation table_here ExclusiveLock") {
		t.Errorf("what a failed wait shows:\n%s\nwant the waiter for table_here and its holder", got)
	}
	if _, err := holder.Exec(ctx, `ROLLBACK`); err != nil {
		t.Fatal(err)
	}
	pgtest.WaitForRelease(t, watch, pgtest.TableLock("table_here"))
}

func TestWaitForRelease(t *testing.T) {
	db := pgtest.NewDB(t)
	watch := pgtest.Connect(t, db)
	holder := pgtest.Connect(t, db)
	if _, err := holder.Exec(t.Context(), `SELECT pg_advisory_lock(7243100, -5)`); err != nil {
		t.Fatal(err)
	}
	background(t, holder, `SELECT pg_sleep(0.2), pg_advisory_unlock(7243100, -5)`)
	start := time.Now()
	pgtest.WaitForRelease(t, watch, pgtest.AdvisoryLockPair(7243100, -5))
	if waited := time.Since(start); waited < 200*time.Millisecond {
		t.Errorf("WaitForRelease returned after %v, while the lock was held", waited)
	}
}
