package store_test

import (
	"strings"
	"testing"

	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/store"
)

// A reason about the person an entry blocks is compared with the records the entry blocks
// (People: holders), found among the blocked records (contact_blocks), as the identifier tables
// have no index on the hash: each blocked record's e-mails and phones are probed by its id and
// the entry's hashes by their primary key. The planner hashed the two EXISTS instead, reading
// every e-mail and every phone stored (200,000 of each here, 2,000 records blocked, ~100 ms),
// a time growing with the registry where it should grow with the blocked records only.
func TestTheRecordsAnEntryBlocksAreFoundWithoutReadingEveryIdentifier(t *testing.T) {
	ctx := t.Context()
	conn := pgtest.Connect(t, pgtest.NewDB(t))
	pgtest.OtherPeople(t, conn, 200_000)
	// 2,000 of them blocked, each by an entry of its own holding its e-mail's hash
	if _, err := conn.Exec(ctx, `WITH b AS (SELECT e.contact_id, e.hash, md5('entry' || e.contact_id)::uuid AS entry
			FROM contact_emails e ORDER BY e.contact_id LIMIT 2000),
		x AS (INSERT INTO blacklist_entries (id, source, reason, key_id, identifier_kinds) SELECT entry, 'MANUAL', 'objection by letter', 'k1', '{EMAIL}' FROM b)
		INSERT INTO blacklist_hashes (entry_id, kind, key_id, hash) SELECT entry, 'EMAIL', 'k1', hash FROM b`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `SELECT vermerk_refresh_blocks(ARRAY(SELECT contact_id FROM contact_emails ORDER BY contact_id LIMIT 2000))`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		t.Fatal(err)
	}
	var entry string
	if err := conn.QueryRow(ctx, `SELECT entry_id::text FROM blacklist_hashes ORDER BY entry_id LIMIT 1`).Scan(&entry); err != nil {
		t.Fatal(err)
	}
	plan := pgtest.Plan(t, conn, `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) `+store.Holders, []string{}, []string{}, []string{entry}, store.MaxPersonRecords+1)
	if strings.Contains(plan, "Seq Scan on contact_emails") || strings.Contains(plan, "Seq Scan on contact_phones") || !strings.Contains(plan, "rows=1 ") {
		t.Errorf("the records an entry blocks are found by reading every e-mail or phone stored:\n%s", plan)
	}
}
