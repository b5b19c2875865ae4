package store_test

import (
	"strings"
	"testing"

	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/store"
)

// Every record that joins a person (consent.JoinPerson: every contact saved with an e-mail or
// phone) asks for her blacklist entries (store.ScrubEntryReasons): that is a probe of
// blacklist_hashes per identifier of her records, not a read of the blacklist or of every
// identifier (50,000 people with an e-mail and a phone, 100,000 entries, 2,000 records
// restricted).
func TestHerEntriesAreFoundByProbes(t *testing.T) {
	ctx := t.Context()
	conn := pgtest.Connect(t, pgtest.NewDB(t))
	pgtest.OtherPeople(t, conn, 50_000)
	if _, err := conn.Exec(ctx, `WITH x AS (INSERT INTO blacklist_entries (id, source, reason, key_id, identifier_kinds)
			SELECT md5('entry' || i)::uuid, 'ERASURE', 'erased on request', 'k1', '{EMAIL}' FROM generate_series(1, 100000) i RETURNING id)
		INSERT INTO blacklist_hashes (entry_id, kind, key_id, hash) SELECT id, 'EMAIL', 'k1', sha256(id::text::bytea) FROM x`); err != nil {
		t.Fatal(err)
	}
	// 2,000 records restricted by an objection each
	if _, err := conn.Exec(ctx, `INSERT INTO contact_restrictions (entry_id, contact_id)
		SELECT md5('entry' || row_number() OVER ())::uuid, id FROM (SELECT id FROM contacts ORDER BY id DESC LIMIT 2000) c`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		t.Fatal(err)
	}
	var id string
	if err := conn.QueryRow(ctx, `SELECT contact_id::text FROM contact_emails LIMIT 1`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	plan := pgtest.Plan(t, conn, `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) `+store.HerEntries, []string{id}, store.ScrubbedReason)
	if strings.Contains(plan, "Seq Scan") {
		t.Errorf("her entries are found by reading a whole table:\n%s", plan)
	}
}

// Every record that joins a person also asks for the override and merge reasons audited for
// her records (store.ScrubRecordReasons): read by the partial index of those rows, not by
// reading every audit row of her records (here 20,000 edits of one record, 200,000 audit rows in all).
func TestHerRecordReasonsAreReadByTheirIndex(t *testing.T) {
	ctx := t.Context()
	conn := pgtest.Connect(t, pgtest.NewDB(t))
	pgtest.OtherPeople(t, conn, 10_000)
	var id string
	if err := conn.QueryRow(ctx, `SELECT id::text FROM contacts LIMIT 1`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO audit_log (actor_id, actor_name, operation, target_id, contact_id, outcome, reason)
			SELECT 'admin', 'admin', 'updateContact', c.id::text, c.id, 'ok', NULL FROM contacts c, generate_series(1, 18)
		UNION ALL SELECT 'admin', 'admin', 'updateContact', $1::text, $1::text::uuid, 'ok', NULL FROM generate_series(1, 20000)
		UNION ALL SELECT 'admin', 'admin', 'createContact', c.id::text, c.id, 'override of blacklist EMAIL', 'written consent on file'
			FROM contacts c ORDER BY 1 LIMIT 2000`, id); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		t.Fatal(err)
	}
	plan := pgtest.Plan(t, conn, `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) `+store.HerRecordReasons, []string{id})
	if strings.Contains(plan, "Seq Scan") || !strings.Contains(plan, "audit_log_record_reasons") {
		t.Errorf("the reasons audited for her records are not read by audit_log_record_reasons:\n%s", plan)
	}
}
