package migrations_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/consent"
	"github.com/vermerk/vermerk/server/internal/pgtest"
)

// An import of a tenth of a table's size is below autovacuum's default mark for inserts (20 %),
// so its pages stayed unmarked and recipients read list_members and consent_state from the
// table for every one of them. Migration 00030 lowers the mark: autovacuum comes by itself
// (without it, it had not come after 60 s), and the recipients of the imported contacts can be
// read from the indexes alone again.
func TestAutovacuumMarksAnImportsPages(t *testing.T) {
	conn := pgtest.Connect(t, pgtest.NewDB(t))
	ctx := t.Context()
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", strings.Join(strings.Fields(sql)[:3], " "), err)
		}
	}
	// contacts with a list membership and a granted consent each, as an import writes them: in
	// one transaction (else an autovacuum's ANALYZE of contacts, started between the statements,
	// holds a snapshot older than the list members, and a vacuum of list_members meanwhile may
	// not mark their pages all-visible)
	load := func(n int) {
		t.Helper()
		exec(`BEGIN`)
		exec(`INSERT INTO contacts (given_name, family_name, sort_key, search_text)
			SELECT 'Test', 'Beispiel', 'beispiel', '' FROM generate_series(1, $1::int)`, n)
		exec(`INSERT INTO list_members (list_id, contact_id)
			SELECT l.id, c.id FROM distribution_lists l, contacts c
			WHERE l.key = 'news' AND NOT EXISTS (SELECT FROM list_members m WHERE m.contact_id = c.id) ORDER BY c.id`)
		exec(`INSERT INTO consent_events (contact_id, purpose_id, status, source, recorded_by, recorded_by_token)
			SELECT c.id, p.id, 'GRANTED', 'import', 'test', 'test' FROM contacts c, purposes p
			WHERE p.key = 'newsletter' AND NOT EXISTS (SELECT FROM consent_state s WHERE s.contact_id = c.id) ORDER BY c.id`)
		exec(`COMMIT`)
	}
	exec(`INSERT INTO purposes (key, name, legal_basis) VALUES ('newsletter', 'Newsletter', 'CONSENT')`)
	exec(`INSERT INTO distribution_lists (key, name, purpose_id) SELECT 'news', 'Newsletter', id FROM purposes`)
	// A backend sends its table statistics up to seconds after its statements; they are sent
	// at once here, so that no count of inserts arrives after the vacuum that covered them.
	flush := func() { exec(`SELECT pg_stat_force_next_flush()`) }
	load(50_000)
	flush()
	// every table, consent_events too: a table due for an ANALYZE would get one from
	// autovacuum while the import below runs, and its snapshot, older than the import, would
	// keep a vacuum of list_members meanwhile from marking the import's pages
	exec(`VACUUM ANALYZE`)
	flush()
	vacuums := func() (n int) {
		t.Helper()
		if err := conn.QueryRow(ctx, `SELECT sum(autovacuum_count) FROM pg_stat_user_tables
			WHERE relname IN ('list_members', 'consent_state')`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var list, purpose, last string
	if err := conn.QueryRow(ctx, `SELECT l.id, l.purpose_id, (SELECT id FROM contacts ORDER BY id DESC LIMIT 1) FROM distribution_lists l`).Scan(&list, &purpose, &last); err != nil {
		t.Fatal(err)
	}
	// Autovacuum looks at the database every second instead of every minute (this package's
	// cluster only), so the test waits seconds, not minutes.
	exec(`ALTER SYSTEM SET autovacuum_naptime = 1`)
	exec(`SELECT pg_reload_conf()`)
	t.Cleanup(func() {
		_, _ = conn.Exec(ctx, `ALTER SYSTEM RESET autovacuum_naptime`)
		_, _ = conn.Exec(ctx, `SELECT pg_reload_conf()`)
	})
	before := vacuums()
	load(5_000) // the import: a tenth of the table
	flush()

	deadline := time.Now().Add(60 * time.Second)
	for {
		var waiting int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_user_tables
			WHERE relname IN ('list_members', 'consent_state') AND (last_autovacuum IS NULL OR n_ins_since_vacuum > 0)`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		// each vacuumed since the import
		if waiting == 0 && vacuums() >= before+2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("60 s after an import of a tenth of their size, autovacuum has not vacuumed list_members and consent_state")
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Whether that vacuum could mark the import's pages all-visible depends on the snapshots
	// other sessions hold at that moment (under a full test run it often could not), so the
	// plan is logged, and only its shape is checked: recipients reads both tables index-only.
	plan := pgtest.Plan(t, conn, `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) `+consent.RecipientsPageSQL, list, purpose, last, 5_000)
	seen := map[string]bool{}
	for _, f := range regexp.MustCompile(`Index Only Scan using \S+ on (\S+)[^\n]*(?:\n[^\n]*?)*?\n\s+Heap Fetches: (\d+)`).FindAllStringSubmatch(plan, -1) {
		seen[f[1]] = true
		t.Logf("recipients of the imported contacts: %s read index-only, %s heap fetches", f[1], f[2])
	}
	if !seen["list_members"] || !seen["consent_state"] {
		t.Errorf("recipients did not read list_members and consent_state index-only:\n%s", plan)
	}
}
