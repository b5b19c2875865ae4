package blacklist_test

import (
	"os"
	"strconv"
	"testing"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/blacklist"
	"github.com/vermerk/vermerk/server/internal/screening"
)

// benchEntries is the blacklist size of BenchmarkScreen (VERMERK_BENCH_ENTRIES overrides).
func benchEntries(b *testing.B) int {
	n := 100_000
	if s := os.Getenv("VERMERK_BENCH_ENTRIES"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatalf("VERMERK_BENCH_ENTRIES: %v", err)
		}
	}
	return n
}

// BenchmarkScreen screens a candidate with one e-mail, one phone and a name and address
// (two name-and-address spellings), under two keys, against a blacklist of filler entries
// plus one that matches: one SQL round trip per screen.
func BenchmarkScreen(b *testing.B) {
	ctx := b.Context()
	db := openDB(b)
	k1, k2 := newKey(b), newKey(b)
	svc := blacklist.New(db, keyring(b, k2, k1))
	n := benchEntries(b)
	// Filler entries with three random-looking hashes each, as an erasure makes.
	if _, err := db.Pool.Exec(ctx, `
		WITH e AS (INSERT INTO blacklist_entries (source, reason, key_id, identifier_kinds)
			SELECT 'ERASURE', 'benchmark', $2, '{EMAIL,PHONE,NAME_AND_ADDRESS}' FROM generate_series(1, $1) RETURNING id)
		INSERT INTO blacklist_hashes (entry_id, kind, key_id, hash)
		SELECT e.id, k, $2, sha256((e.id::text || k)::bytea) FROM e, unnest('{EMAIL,PHONE,NAME_AND_ADDRESS}'::text[]) AS k`,
		n, k2.ID); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `ANALYZE blacklist_entries; ANALYZE blacklist_hashes`); err != nil {
		b.Fatal(err)
	}
	if _, err := svc.Add(ctx, annaInput, "benchmark match"); err != nil {
		b.Fatal(err)
	}
	typed := model.ContactInput{GivenName: ptr("Anna"), FamilyName: ptr("Beispiel"),
		Emails: []string{"anna.beispiel@example.org"}, Phones: []string{"040 5550199"},
		Address: &model.PostalAddressInput{Street: "Mühlenweg 3", PostalCode: "20095", City: "Hamburg"}}
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			scr, err := svc.Screen(ctx, typed, false)
			if err != nil || !scr.Blocked {
				b.Fatalf("screen = %+v, %v", scr, err)
			}
		}
	})
	// The baseline: the same lookup, hashes computed once, straight through pgx.
	ids, _ := keyring(b, k2, k1).Identify(screening.Candidate{GivenName: "Anna", FamilyName: "Beispiel",
		Emails: typed.Emails, Phones: typed.Phones, Street: "Mühlenweg 3", PostalCode: "20095"})
	_, hashes := ids.Lookups()
	b.Run("raw-pgx", func(b *testing.B) {
		for b.Loop() {
			rows, err := db.Pool.Query(ctx, `SELECT e.id, h.kind FROM blacklist_hashes h
				JOIN blacklist_entries e ON e.id = h.entry_id WHERE h.hash = ANY($1::bytea[]) AND e.removed_at IS NULL`, hashes)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for rows.Next() {
				n++
			}
			if rows.Close(); rows.Err() != nil || n < 3 {
				b.Fatalf("%d rows, %v", n, rows.Err())
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := svc.Screen(ctx, typed, false); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
