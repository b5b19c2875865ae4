package importer

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/pgtest"
)

// The filter never misses a hash it was given, and lets through about 1 % of others.
func TestBlacklistFilter(t *testing.T) {
	const n = 100_000
	f := newBlacklistFilter(n, 0)
	in := make([][]byte, n)
	for i := range in {
		in[i] = make([]byte, 32)
		_, _ = rand.Read(in[i])
		f.add(in[i])
	}
	for _, h := range in {
		if !f.mayContain(h) {
			t.Fatalf("filter misses hash %x it was given", h)
		}
	}
	false_ := 0
	h := make([]byte, 32)
	for range n {
		_, _ = rand.Read(h)
		if f.mayContain(h) {
			false_++
		}
	}
	if rate := float64(false_) / n; rate > 0.02 {
		t.Errorf("false positive rate %.3f, want about 0.01", rate)
	}
	if !f.mayContain([]byte{1, 2, 3}) {
		t.Error("a short hash must always be looked up")
	}
}

// A filter for more hashes than filterMaxBytes holds at 10 bits each is no larger than that,
// and still never misses a hash it was given.
func TestBlacklistFilterCapped(t *testing.T) {
	f := newBlacklistFilter(50_000_000, 0)
	if size := len(f.bits) * 8; size > filterMaxBytes {
		t.Fatalf("filter of %d bytes, want at most %d", size, filterMaxBytes)
	}
	h := make([]byte, 32)
	in := make([][]byte, 0, 200_000)
	for range cap(in) {
		_, _ = rand.Read(h)
		f.add(h)
		in = append(in, append([]byte(nil), h...))
	}
	for _, h := range in {
		if !f.mayContain(h) {
			t.Fatalf("capped filter misses hash %x it was given", h)
		}
	}
}

// The filter loaded from a blacklist of several chunks of pages holds every one of its
// hashes (the last chunk too, and rows added after the table's size was read), and an
// empty blacklist gives an empty filter.
func TestLoadBlacklistFilter(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.NewDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)

	f, err := loadBlacklistFilter(ctx, conn, filterMaxHashes)
	if err != nil || f == nil {
		t.Fatalf("empty blacklist: filter %v, err %v", f, err)
	}
	if f.mayContain(bytes.Repeat([]byte{7}, 32)) {
		t.Error("the filter of an empty blacklist lets a hash through")
	}

	const n = 150_000 // about 1.7 chunks of filterChunkPages
	if _, err := conn.Exec(ctx, `INSERT INTO blacklist_entries (id, source, reason, key_id, identifier_kinds)
		SELECT md5('entry-' || i)::uuid, 'MANUAL', 'Erika Mustermann asked to be erased', 'k1', ARRAY['EMAIL']
		FROM generate_series(1, $1::int) i`, n); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO blacklist_hashes (entry_id, kind, key_id, hash)
		SELECT md5('entry-' || i)::uuid, 'EMAIL', 'k1', sha256(('max.muster.' || i || '@example.com')::bytea)
		FROM generate_series(1, $1::int) i`, n); err != nil {
		t.Fatal(err)
	}
	var pages int64
	if err := conn.QueryRow(ctx, `SELECT pg_relation_size('blacklist_hashes') / 8192`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if pages <= filterChunkPages {
		t.Fatalf("blacklist_hashes has %d pages, want more than %d to test the chunks", pages, filterChunkPages)
	}
	// each chunk reads its pages only, not the whole table
	plan := pgtest.Plan(t, conn, `EXPLAIN (COSTS OFF) `+filterChunkQuery, 0, filterChunkPages)
	if !strings.Contains(plan, "Tid Range Scan") {
		t.Errorf("a chunk's plan is %q, want a Tid Range Scan", plan)
	}
	for _, analyzed := range []bool{false, true} {
		if analyzed {
			if _, err := conn.Exec(ctx, `ANALYZE blacklist_hashes`); err != nil {
				t.Fatal(err)
			}
		}
		f, err := loadBlacklistFilter(ctx, conn, filterMaxHashes)
		if err != nil || f == nil {
			t.Fatalf("analyzed %v: filter %v, err %v", analyzed, f, err)
		}
		for i := 1; i <= n; i++ {
			h := sha256.Sum256(fmt.Appendf(nil, "max.muster.%d@example.com", i))
			if !f.mayContain(h[:]) {
				t.Fatalf("analyzed %v: the filter misses hash %d of %d", analyzed, i, n)
			}
		}
		if f, err := loadBlacklistFilter(ctx, conn, n-1); err != nil || f != nil {
			t.Errorf("analyzed %v: a blacklist larger than maxHashes gave filter %v, err %v; want none", analyzed, f, err)
		}
	}
}

// At the size filterMaxBytes caps (10,000,000 hashes in 8 MB), about 5 % of other hashes get
// through; every hash given does.
func TestBlacklistFilterAtTenMillion(t *testing.T) {
	if testing.Short() {
		t.Skip("adds 10,000,000 hashes")
	}
	const n = 10_000_000
	f := newBlacklistFilter(n, 0)
	h := make([]byte, 32)
	var seed [32]byte
	rng := mrand.NewChaCha8(seed)
	for range n {
		_, _ = rng.Read(h)
		f.add(h)
	}
	rng = mrand.NewChaCha8(seed)
	for range 1000 {
		_, _ = rng.Read(h)
		if !f.mayContain(h) {
			t.Fatal("the filter misses a hash it was given")
		}
	}
	through := 0
	for range 100_000 {
		_, _ = rand.Read(h)
		if f.mayContain(h) {
			through++
		}
	}
	rate := float64(through) / 100_000
	t.Logf("false positives at %d hashes in %d bytes: %.3f", n, len(f.bits)*8, rate)
	if rate > 0.08 {
		t.Errorf("false positive rate %.3f, want about 0.05", rate)
	}
}
