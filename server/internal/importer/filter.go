package importer

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// blacklistFilter is a Bloom filter of every hash on the blacklist as of the event numbered
// version: lookup asks the database only about the hashes it may contain (those of blacklisted
// people and about one in a hundred others), instead of about four hashes per row. Every new
// blacklist entry writes a BLACKLIST_CHANGED event (numbered in commit order) in its
// transaction, so an entry the filter lacks has a higher number: the filter is reloaded when
// one appears, and a batch that commits after one is screened again (see write).
type blacklistFilter struct {
	bits    []uint64
	version int64
}

const (
	filterBitsPerHash = 10 // with filterProbes: about 1 % false positives
	filterProbes      = 7
	// filterMaxHashes bounds the hashes a filter is loaded from; a larger blacklist is
	// screened in the database.
	filterMaxHashes = 16_000_000
	// filterMaxBytes bounds the filter's memory: above 6,700,000 hashes it has fewer bits per
	// hash and lets more through (5 % at 10,000,000, 23 % at 16,000,000), never misses one.
	filterMaxBytes = 8 << 20
	// filterMaxReloads: a blacklist that keeps changing during the import is screened in the
	// database from then on.
	filterMaxReloads = 3
)

func newBlacklistFilter(hashes int64, version int64) *blacklistFilter {
	words := min((max(hashes, 1<<12)*filterBitsPerHash+63)/64, filterMaxBytes/8)
	return &blacklistFilter{bits: make([]uint64, words), version: version}
}

// probes calls f with the bit positions of h (the hashes are HMAC-SHA-256, uniformly random).
func (f *blacklistFilter) probes(h []byte, fn func(word int, bit uint64) bool) bool {
	m := uint64(len(f.bits)) * 64
	h1, h2 := binary.LittleEndian.Uint64(h[0:8]), binary.LittleEndian.Uint64(h[8:16])|1
	for i := uint64(0); i < filterProbes; i++ {
		p := (h1 + i*h2) % m
		if !fn(int(p/64), 1<<(p%64)) {
			return false
		}
	}
	return true
}

func (f *blacklistFilter) add(h []byte) {
	if len(h) < 16 {
		return // mayContain says yes to such a hash anyway
	}
	f.probes(h, func(w int, bit uint64) bool { f.bits[w] |= bit; return true })
}

func (f *blacklistFilter) mayContain(h []byte) bool {
	if len(h) < 16 {
		return true
	}
	return f.probes(h, func(w int, bit uint64) bool { return f.bits[w]&bit != 0 })
}

// loadBlacklistFilter reads the blacklist's hashes and the newest event number in one snapshot;
// nil (and no error) when the blacklist has more than maxHashes hashes.
func loadBlacklistFilter(ctx context.Context, conn *pgx.Conn, maxHashes int64) (*blacklistFilter, error) {
	var f *blacklistFilter
	err := pgx.BeginTxFunc(ctx, conn, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var version, n int64
		if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT max(id) FROM events), 0), (SELECT count(*) FROM blacklist_hashes)`).
			Scan(&version, &n); err != nil {
			return err
		}
		if n > min(maxHashes, filterMaxHashes) {
			return nil
		}
		f = newBlacklistFilter(n, version)
		rows, err := tx.Query(ctx, `SELECT hash FROM blacklist_hashes`, pgx.QueryResultFormats{pgx.BinaryFormatCode})
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			f.add(rows.RawValues()[0]) // bytea in binary format: the bytes themselves
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("blacklist filter: %w", err)
	}
	return f, nil
}

type rowQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// blacklistChangedSince reports whether an entry was added to or removed from the blacklist
// after the event numbered version.
func blacklistChangedSince(ctx context.Context, q rowQuerier, version int64) (bool, error) {
	var changed bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM events WHERE id > $1 AND kind = 'BLACKLIST_CHANGED')`, version).Scan(&changed)
	return changed, err
}
