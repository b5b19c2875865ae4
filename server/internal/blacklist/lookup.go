package blacklist

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/store"
)

// hashRow is one active entry holding one hash.
type hashRow struct {
	hash  string
	kind  string
	entry *model.BlacklistEntry
}

// matchHashes is the one lookup of the blacklist: the active entries holding any of the
// hashes $1 (under any key; one probe of blacklist_hashes per hash). It fails when the
// database's recorded current key is not among $2, the asking server's key ids (keyGate).
const matchHashes = `SELECT ` + EntryColumns + `, h.kind, h.hash
	FROM blacklist_hashes h JOIN blacklist_entries e ON e.id = h.entry_id
	WHERE h.hash = ANY($1::bytea[]) AND e.removed_at IS NULL AND ` + keyGateSQL

// keyGateSQL is true while the database's recorded current key (current_secret_key) is one of
// $2, the asking server's key ids, or none is recorded yet; otherwise it fails the statement
// with SQLSTATE 22P02 and keyGateMark in its message (keyGate turns that into the writers'
// refusal). Another instance has then rotated the key, and this server would not recognise the
// entries made with the new one, so its "no match" could let an erased person through. Writes
// check the key under the blacklist lock; this checks every lookup, the screen query's too, in
// the lookup's own snapshot: a rotation is recorded before any entry is made with the new key,
// so a snapshot without the record holds no such entry. The planner runs it once per
// statement (an InitPlan reading a one-row table). A cast that fails is the one way plain SQL
// raises an error. Cost, database CPU per screen at 5,000 screens/s (`BENCH_SCALE=medium
// BENCH_ONLY=screen`, 2026-11-30): 44–48 µs without a gate, 55.6 with a PL/pgSQL function
// raising the error, 49.6–50.8 with this; in the closed loop, where screens share lookups,
// about 0.5 µs.
const keyGateSQL = `COALESCE((SELECT CASE WHEN k.key_id = ANY($2::text[]) THEN true
		ELSE ('` + keyGateMark + `' || k.key_id)::boolean END FROM current_secret_key k), true)`

// keyGateMark begins the value whose cast fails in keyGateSQL; the recorded key id follows it.
const keyGateMark = "vermerk: the current secret key is "

// newScreenJoiner joins the hash lookups of concurrent screen queries (the desktop clients of
// a whole office typing) into one query on q.
func newScreenJoiner(q store.Querier, keyIDs []string, maxInFlight int) *store.Joiner[string, hashRow] {
	return store.NewJoiner(maxInFlight, func(ctx context.Context, keys []string, found func(string, hashRow)) error {
		hashes := make([][]byte, len(keys))
		for i, k := range keys {
			hashes[i] = []byte(k)
		}
		return queryHashes(ctx, q, keyIDs, hashes, func(r hashRow) { found(r.hash, r) })
	})
}

// queryHashes runs matchHashes with q for a server with keyIDs. The hashes are padded
// (store.GenericPlanKeys) so that a screen of one or two identifiers runs on the generic plan,
// not planned afresh each time.
func queryHashes(ctx context.Context, q store.Querier, keyIDs []string, hashes [][]byte, each func(hashRow)) error {
	rows, err := q.Query(ctx, matchHashes, pgtype.FlatArray[[]byte](store.GenericPlanKeys(hashes)), // no reflection
		pgtype.FlatArray[string](keyIDs))
	if err != nil {
		return fmt.Errorf("lookup: %w", keyGate(err))
	}
	if err := scanHashRows(rows, each); err != nil {
		return fmt.Errorf("lookup: %w", keyGate(err))
	}
	return nil
}

func scanHashRows(rows pgx.Rows, each func(hashRow)) error {
	defer rows.Close()
	for rows.Next() {
		var (
			r    hashRow
			hash []byte
			err  error
		)
		if r.entry, err = ScanEntry(rows, &r.kind, &hash); err != nil {
			return err
		}
		r.hash = string(hash)
		each(r)
	}
	return rows.Err()
}

// ManualHolds calls held with each of hashes that an active MANUAL entry holds (an objection or
// a restriction: a legal hold on the records carrying it), once per such entry, for a server
// with keyIDs: the one lookup (matchHashes), so it fails as every lookup does when another
// instance rotated the key.
func ManualHolds(ctx context.Context, q store.Querier, keyIDs []string, hashes [][]byte, held func(hash []byte)) error {
	return queryHashes(ctx, q, keyIDs, hashes, func(r hashRow) {
		if r.entry.Source == model.BlacklistSourceManual {
			held([]byte(r.hash))
		}
	})
}

// Matches is the blacklist screening of a batch of candidates (an import's rows): one lookup
// of all their hashes, then each candidate's screening from its own hashes, as Screen would
// give it.
type Matches struct {
	byHash map[string][]hashRow
}

// QueueMatches queues the lookup of hashes (those of every candidate of the batch) on b for a
// server with keyIDs, so that the caller sends it with its own queries in one round trip; m is
// filled when b's results are read. Once they are, m.Screening tells each candidate's matches.
func QueueMatches(b *pgx.Batch, keyIDs []string, hashes [][]byte, m *Matches) {
	m.byHash = map[string][]hashRow{}
	b.Queue(matchHashes, pgtype.FlatArray[[]byte](hashes), pgtype.FlatArray[string](keyIDs)).Query(func(rows pgx.Rows) error {
		return keyGate(scanHashRows(rows, func(r hashRow) { m.byHash[r.hash] = append(m.byHash[r.hash], r) }))
	})
}

// Screening is the screening of one candidate of the batch by its hashes: blocking matches
// (e-mail, phone) first, the newest entry first; nil when nothing matched.
func (m *Matches) Screening(hashes [][]byte) *model.Screening {
	if len(m.byHash) == 0 {
		return nil
	}
	var rows []hashRow
	for _, h := range hashes {
		rows = append(rows, m.byHash[string(h)]...)
	}
	if len(rows) == 0 {
		return nil
	}
	return screeningOf(rows)
}
