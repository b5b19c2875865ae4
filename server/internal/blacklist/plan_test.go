package blacklist

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/store"
)

// TestScreenLookupKeepsGenericPlan: after its first five runs, the blacklist lookup of a screen
// with one or two hashes runs on PostgreSQL's generic plan instead of being planned afresh for
// every keystroke, and the padded hashes return each match once.
func TestScreenLookupKeepsGenericPlan(t *testing.T) {
	ctx := t.Context()
	conn := pgtest.Connect(t, pgtest.NewDB(t))
	if _, err := conn.Exec(ctx, `INSERT INTO blacklist_entries (id, source, reason, key_id, identifier_kinds)
		SELECT md5('entry-' || i)::uuid, 'MANUAL', 'objection', 'k1', '{EMAIL}' FROM generate_series(1, 5000) i`); err != nil {
		t.Fatal(err)
	}
	hashes := make([][]byte, 2)
	for i := range hashes {
		h := sha256.Sum256(fmt.Appendf(nil, "entry-%d", i+1))
		hashes[i] = h[:]
		if _, err := conn.Exec(ctx, `INSERT INTO blacklist_hashes (entry_id, kind, key_id, hash) VALUES (md5('entry-' || $1::int)::uuid, 'EMAIL', 'k1', $2)`,
			i+1, h[:]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conn.Exec(ctx, `INSERT INTO blacklist_hashes (entry_id, kind, key_id, hash)
		SELECT md5('entry-' || i)::uuid, 'EMAIL', 'k1', sha256(('other-' || i)::bytea) FROM generate_series(3, 5000) i`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `ANALYZE blacklist_entries, blacklist_hashes`); err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		want := 1 + i%2 // one hash, then two
		found := 0
		if err := queryHashes(ctx, conn, nil, hashes[:want], func(hashRow) { found++ }); err != nil {
			t.Fatal(err)
		}
		if found != want {
			t.Fatalf("looking up %d hashes found %d rows", want, found)
		}
	}
	var stmt string
	if err := conn.QueryRow(ctx, `SELECT name FROM pg_prepared_statements WHERE statement = $1`, matchHashes).Scan(&stmt); err != nil {
		t.Fatalf("the lookup is not a prepared statement: %v", err)
	}
	var generic, custom int64
	if err := conn.QueryRow(ctx, `SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = $1`, stmt).Scan(&generic, &custom); err != nil {
		t.Fatal(err)
	}
	if generic == 0 {
		t.Errorf("the screen lookup ran %d custom plans and no generic one", custom)
	}
	plan := explain(t, conn, stmt)
	if !strings.Contains(plan, "Index") {
		t.Errorf("the lookup does not use an index:\n%s", plan)
	}
	// The key gate (keyGateSQL) runs once per lookup, not once per row.
	if !strings.Contains(plan, "One-Time Filter") || !strings.Contains(plan, "InitPlan") {
		t.Errorf("the key gate is not a one-time filter:\n%s", plan)
	}
}

func explain(t *testing.T, conn *pgx.Conn, stmt string) string {
	t.Helper()
	return pgtest.Plan(t, conn, `EXPLAIN EXECUTE `+pgx.Identifier{stmt}.Sanitize()+`('{}', '{}')`)
}

// TestCountOfActiveEntriesStaysInSharedBuffers: the exact part of the blacklist's totalCount
// reads the first store.ExactCountLimit+1 entries of the partial index of active entries, so a
// count run again finds them in shared buffers, as contacts' count does (its test says why).
// 400,000 entries take more than the test cluster's 32 MB of shared buffers.
func TestCountOfActiveEntriesStaysInSharedBuffers(t *testing.T) {
	ctx := t.Context()
	conn := pgtest.Connect(t, pgtest.NewDB(t))
	if _, err := conn.Exec(ctx, `INSERT INTO blacklist_entries (id, source, reason, key_id, identifier_kinds, created_at)
		SELECT md5('entry-' || i)::uuid, 'MANUAL', 'objection', 'k1', '{EMAIL}', now() - i * interval '1 second'
		FROM generate_series(1, 400000) i`); err != nil {
		t.Fatal(err)
	}
	var mb float64
	if err := conn.QueryRow(ctx, `SELECT pg_table_size('blacklist_entries') / 1048576.0`).Scan(&mb); err != nil || mb < 32 {
		t.Fatalf("the entries take %.1f MB (%v): not more than the 32 MB of shared buffers", mb, err)
	}
	if _, err := conn.Exec(ctx, `VACUUM ANALYZE blacklist_entries`); err != nil { // as autovacuum would: the visibility map
		t.Fatal(err)
	}
	if plan, read := pgtest.PlanRunAgain(t, conn, store.CountQuery(activeEntries)); read || !strings.Contains(plan, "blacklist_entries_active") {
		t.Errorf("a count run again reads from outside shared buffers, or not the index of active entries:\n%s", plan)
	}
}
