package pgtest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// LockWaitTimeout is how long the lock waits of this file poll before they fail the test.
const LockWaitTimeout = 60 * time.Second

// Locks selects rows of pg_locks: which locks a race test waits on.
type Locks struct {
	what  string // for messages: "an advisory lock"
	where string // an SQL condition on l, a row of pg_locks
}

var (
	// AnyLock is every lock.
	AnyLock = Locks{"a lock", "true"}
	// AdvisoryLocks are the locks of pg_advisory_lock and its kin, whatever the key.
	AdvisoryLocks = Locks{"an advisory lock", "l.locktype = 'advisory'"}
	// RowLocks are the locks a writer of a row waits on: the transaction that holds the row,
	// or the row's tuple.
	RowLocks = Locks{"a row lock", "l.locktype IN ('transactionid', 'tuple')"}
)

// String says which locks l selects, as the failure messages do.
func (l Locks) String() string { return l.what }

// AdvisoryLock is the advisory lock of pg_advisory_lock(key), one bigint key.
func AdvisoryLock(key int64) Locks {
	return Locks{fmt.Sprintf("the advisory lock %d", key), fmt.Sprintf(
		"l.locktype = 'advisory' AND l.classid = %d::bigint::oid AND l.objid = %d::bigint::oid AND l.objsubid = 1",
		uint32(key>>32), uint32(key))}
}

// AdvisoryLockPair is the advisory lock of pg_advisory_lock(key1, key2), two integer keys.
func AdvisoryLockPair(key1, key2 int32) Locks {
	return Locks{fmt.Sprintf("the advisory lock (%d, %d)", key1, key2), fmt.Sprintf(
		"l.locktype = 'advisory' AND l.classid = %d::bigint::oid AND l.objid = %d::bigint::oid AND l.objsubid = 2",
		uint32(key1), uint32(key2))}
}

// TableLock is a lock on the table itself (LOCK TABLE, or what DDL and DML take), not on its rows.
func TableLock(table string) Locks {
	return Locks{"a lock on table " + table, fmt.Sprintf("l.locktype = 'relation' AND l.relation = to_regclass('%s')",
		strings.ReplaceAll(table, "'", "''"))}
}

// Except is l without the locks of m.
func (l Locks) Except(m Locks) Locks {
	return Locks{l.what + " other than " + m.what, "(" + l.where + ") AND NOT (" + m.where + ")"}
}

// WaitForWaiters waits until at least n sessions of conn's database wait for one of locks (a
// lock they asked for and were not granted), and fails t after LockWaitTimeout, saying what
// pg_locks showed instead. Race tests use it to know that a session is blocked where the
// test holds it before they go on.
func WaitForWaiters(t testing.TB, conn *pgx.Conn, n int, locks Locks) {
	t.Helper()
	WaitForWaitersOrDone(t, conn, n, locks, func() bool { return false })
}

// WaitForWaitersOrDone is WaitForWaiters for a session that may also finish without waiting:
// it stops when done reports true, and says whether the waiters came.
func WaitForWaitersOrDone(t testing.TB, conn *pgx.Conn, n int, locks Locks, done func() bool) (waiting bool) {
	t.Helper()
	what := fmt.Sprintf("%d session(s) to wait for %s", n, locks.what)
	return poll(t, conn, what, `SELECT count(DISTINCT l.pid) FROM locks l WHERE NOT l.granted AND (`+locks.where+`)`,
		func(found int) bool { return found >= n }, done)
}

// WaitForRelease waits until no session of conn's database holds one of locks, and fails t
// after LockWaitTimeout, saying what pg_locks showed instead.
func WaitForRelease(t testing.TB, conn *pgx.Conn, locks Locks) {
	t.Helper()
	poll(t, conn, "every session to release "+locks.what, `SELECT count(DISTINCT l.pid) FROM locks l WHERE l.granted AND (`+locks.where+`)`,
		func(found int) bool { return found == 0 }, func() bool { return false })
}

// ofThisDatabase is pg_locks read once, cut to the sessions of the current database (other
// than this one). A session waiting for a transaction (a row lock) has no database in that
// row, so a session counts as the database's when any of its locks names it: one waiting for
// a row holds a lock on the row's table.
const ofThisDatabase = `WITH all_locks AS MATERIALIZED (SELECT * FROM pg_locks WHERE pid <> pg_backend_pid()),
	locks AS (SELECT * FROM all_locks WHERE pid IN (SELECT pid FROM all_locks
		WHERE database = (SELECT oid FROM pg_database WHERE datname = current_database()))) `

// poll runs count (a query over locks, see ofThisDatabase) every 10 ms until ok accepts its
// result or done reports true (then it returns false).
func poll(t testing.TB, conn *pgx.Conn, what, count string, ok func(int) bool, done func() bool) bool {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(LockWaitTimeout)
	for {
		var found int
		if err := conn.QueryRow(ctx, ofThisDatabase+count).Scan(&found); err != nil {
			t.Fatalf("pgtest: waiting for %s: %v", what, err)
		}
		if ok(found) {
			return true
		}
		if done() {
			return false
		}
		if time.Now().After(deadline) {
			t.Fatalf("pgtest: waited %v for %s, found %d; pg_locks of this database showed:\n%s", LockWaitTimeout, what, found, lockTable(ctx, conn))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// lockTable lists the locks of the database's sessions for a failure message, without the
// weak table locks every reader and writer holds.
func lockTable(ctx context.Context, conn *pgx.Conn) string {
	rows, err := conn.Query(ctx, ofThisDatabase+`SELECT l.pid, l.granted, l.locktype, l.mode, CASE l.locktype
			WHEN 'relation' THEN l.relation::regclass::text
			WHEN 'tuple' THEN format('%s (%s,%s)', l.relation::regclass, l.page, l.tuple)
			WHEN 'transactionid' THEN l.transactionid::text
			WHEN 'advisory' THEN format('classid %s objid %s objsubid %s', l.classid, l.objid, l.objsubid)
			ELSE coalesce(l.virtualxid, '') END
		FROM locks l
		WHERE NOT l.granted OR NOT (l.locktype = 'virtualxid'
			OR l.locktype = 'relation' AND l.mode IN ('AccessShareLock', 'RowShareLock', 'RowExclusiveLock'))
		ORDER BY l.pid, l.granted, l.locktype LIMIT 40`)
	if err != nil {
		return "  (cannot read pg_locks: " + err.Error() + ")"
	}
	var b strings.Builder
	var pid int
	var granted bool
	var locktype, mode, object string
	_, err = pgx.ForEachRow(rows, []any{&pid, &granted, &locktype, &mode, &object}, func() error {
		verb := "waits for"
		if granted {
			verb = "holds"
		}
		fmt.Fprintf(&b, "  pid %d %s %s %s %s\n", pid, verb, locktype, object, mode)
		return nil
	})
	if err != nil {
		return "  (cannot read pg_locks: " + err.Error() + ")"
	}
	if b.Len() == 0 {
		return "  (no lock but the ordinary table locks of readers and writers)"
	}
	return b.String()
}
