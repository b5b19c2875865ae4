package importer

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"

	"github.com/jackc/pgx/v5"
)

// blacklistFilter is a Bloom filter of every hash on the blacklist as of the event numbered
// version: lookup asks the database only about the hashes it may contain (those of blacklisted
// people and about one in a hundred others), instead of about four hashes per row. Every new
// blacklist entry writes a BLACKLIST_CHANGED event (numbered in commit order) in its
// transaction, so an entry the filter lacks has a higher number: the filter is reloaded when
// one appears, and a batch that commits after one is screened again (see write).
//
// It is blocked: all bits of a hash lie in one 64-byte block (one cache line), so adding or
// testing a hash touches memory once instead of filterProbes times (an 8 MB filter does not
// stay in the CPU's caches; loading 10,000,000 hashes took 1.4 s of the server's CPU in adding
// them, a second per 1,000,000 imported rows).
type blacklistFilter struct {
	bits    []uint64 // filterBlockWords per block
	blocks  uint64
	version int64
}

const (
	filterBitsPerHash = 10 // with filterProbes: about 1 % false positives
	filterProbes      = 7
	filterBlockWords  = 8 // 512 bits, one cache line
	// filterMaxHashes bounds the hashes a filter is loaded from; a larger blacklist is
	// screened in the database.
	filterMaxHashes = 16_000_000
	// filterMaxBytes bounds the filter's memory: above 6,700,000 hashes it has fewer bits per
	// hash and lets more through (about 5 % at 10,000,000), never misses one.
	filterMaxBytes = 8 << 20
	// filterMaxReloads: a blacklist that keeps changing during the import is screened in the
	// database from then on.
	filterMaxReloads = 3
)

func newBlacklistFilter(hashes int64, version int64) *blacklistFilter {
	words := min((max(hashes, 1<<12)*filterBitsPerHash+63)/64, filterMaxBytes/8)
	blocks := (words + filterBlockWords - 1) / filterBlockWords
	return &blacklistFilter{bits: make([]uint64, blocks*filterBlockWords), blocks: uint64(blocks), version: version}
}

// block returns the words of h's block and the bit positions in it (the hashes are
// HMAC-SHA-256, uniformly random): the block from the first 8 bytes, filterProbes positions
// of 9 bits each from the next 8.
func (f *blacklistFilter) block(h []byte) ([]uint64, uint64) {
	b, _ := bits.Mul64(binary.LittleEndian.Uint64(h[0:8]), f.blocks)
	return f.bits[b*filterBlockWords : (b+1)*filterBlockWords : (b+1)*filterBlockWords], binary.LittleEndian.Uint64(h[8:16])
}

func (f *blacklistFilter) add(h []byte) {
	if len(h) < 16 {
		return // mayContain says yes to such a hash anyway
	}
	words, pos := f.block(h)
	for range filterProbes {
		words[pos>>6&(filterBlockWords-1)] |= 1 << (pos & 63)
		pos >>= 9
	}
}

func (f *blacklistFilter) mayContain(h []byte) bool {
	if len(h) < 16 {
		return true
	}
	words, pos := f.block(h)
	for range filterProbes {
		if words[pos>>6&(filterBlockWords-1)]&(1<<(pos&63)) == 0 {
			return false
		}
		pos >>= 9
	}
	return true
}

// filterChunkPages is how many pages of blacklist_hashes one query of loadBlacklistFilter
// reads: some 2 MB of hashes in one value.
const filterChunkPages = 1024

// filterChunkQuery reads the hashes in pages $1 to $2 (excluded) of blacklist_hashes, all in
// one value; filterLastChunkQuery those from page $1 on.
const (
	filterChunkQuery = `SELECT string_agg(hash, ''::bytea) FROM blacklist_hashes
		WHERE ctid >= format('(%s,0)', $1::int8)::tid AND ctid < format('(%s,0)', $2::int8)::tid`
	filterLastChunkQuery = `SELECT string_agg(hash, ''::bytea) FROM blacklist_hashes WHERE ctid >= format('(%s,0)', $1::int8)::tid`
)

// loadBlacklistFilter reads the blacklist's hashes and the newest event number in one snapshot;
// nil (and no error) when the blacklist has more than maxHashes hashes. The hashes come in
// chunks of the table's pages (a TID range scan each), each chunk as one value of all its
// hashes one after the other, not as a row each (pgx's work per row was a sixth of the load's
// CPU in the server). A TID range scan reads through shared_buffers, not a small ring as a
// sequential scan of a large table does; at 10,000,000 hashes the database's CPU per imported
// row did not grow from it (25.3 µs before, 24.5 after).
func loadBlacklistFilter(ctx context.Context, conn *pgx.Conn, maxHashes int64) (*blacklistFilter, error) {
	maxHashes = min(maxHashes, filterMaxHashes)
	var f *blacklistFilter
	err := pgx.BeginTxFunc(ctx, conn, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		// The snapshot is taken by this first query: every hash it sees lies in a page that
		// existed before it, and the last chunk is open-ended anyway.
		var version, estimate, pages int64
		var serverVersion int
		// The estimate is the planner's: the rows per page of the last ANALYZE or VACUUM times
		// the pages now.
		if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT max(id) FROM events), 0),
				(SELECT CASE WHEN relpages > 0 AND reltuples >= 0
					THEN (reltuples / relpages * (pg_relation_size(oid) / current_setting('block_size')::int8))::int8
					ELSE -1 END
				FROM pg_class WHERE oid = 'blacklist_hashes'::regclass),
				pg_relation_size('blacklist_hashes') / current_setting('block_size')::int8,
				current_setting('server_version_num')::int`).Scan(&version, &estimate, &pages, &serverVersion); err != nil {
			return err
		}
		// The estimate only sizes the filter (a low one lets more through, never misses); a
		// small table, or one never analysed, is counted.
		if pages <= filterChunkPages || estimate < 0 {
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM blacklist_hashes`).Scan(&estimate); err != nil {
				return err
			}
		}
		if estimate > maxHashes {
			return nil
		}
		ff := newBlacklistFilter(estimate, version)
		var n int64
		addAll := func(all []byte) error {
			if len(all)%sha256.Size != 0 {
				return fmt.Errorf("hashes of %d bytes", len(all))
			}
			for h := range slices.Chunk(all, sha256.Size) {
				ff.add(h)
			}
			n += int64(len(all) / sha256.Size)
			return nil
		}
		if serverVersion < 140000 || pages <= filterChunkPages { // no TID range scans before 14
			rows, err := tx.Query(ctx, `SELECT hash FROM blacklist_hashes`, pgx.QueryResultFormats{pgx.BinaryFormatCode})
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				if err := addAll(rows.RawValues()[0]); err != nil { // bytea in binary format: the bytes themselves
					return err
				}
			}
			if err := rows.Err(); err != nil {
				return err
			}
		} else {
			qb := &pgx.Batch{}
			for from := int64(0); from < pages; from += filterChunkPages {
				sql, args := filterChunkQuery, []any{from, from + filterChunkPages}
				if from+filterChunkPages >= pages { // the last chunk is open-ended
					sql, args = filterLastChunkQuery, args[:1]
				}
				// (a batch reads bytea in binary format: the raw value is the bytes themselves)
				qb.Queue(sql, args...).
					Query(func(rows pgx.Rows) error {
						for rows.Next() {
							if err := addAll(rows.RawValues()[0]); err != nil {
								return err
							}
						}
						return rows.Err()
					})
			}
			if err := tx.SendBatch(ctx, qb).Close(); err != nil {
				return err
			}
		}
		if n > maxHashes {
			return nil
		}
		f = ff
		return nil
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
