package consent_test

import (
	"context"
	"crypto/md5"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/blacklist"
	"github.com/vermerk/vermerk/server/internal/consent"
	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// TestRecipientsPlanAtAMillionContacts generates 1,000,000 contacts (every one on the
// newsletter list, every other one with a newsletter consent, every tenth revoked again, every
// third with a phone) and 1,000,000 blacklist entries (one in a hundred contacts blocked by
// e-mail), and checks that recipients reads list_members and consent_state from their indexes
// only and leaves out the blocked contacts by index-only probes of blacklist_hashes' primary
// key with the hashes of the identifiers the page reads, never scanning a big table, for the
// first and a deep page, in the custom and the generic plan. It logs plans and timings, with and without the exclusion. VERMERK_RECIPIENTS_SCALE
// sets another number of contacts and entries (a multiple of 100) for a quicker look.
func TestRecipientsPlanAtAMillionContacts(t *testing.T) {
	if testing.Short() || os.Getenv("VERMERK_BIG_TESTS") == "" {
		t.Skip("generates 1,000,000 contacts (3–8 minutes on 2 cores): set VERMERK_BIG_TESTS=1 (make bench checks the same plans at its own 1,000,000 contacts)")
	}
	n := 1_000_000
	if v := os.Getenv("VERMERK_RECIPIENTS_SCALE"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1000 || n%100 != 0 {
			t.Fatalf("VERMERK_RECIPIENTS_SCALE=%q: want a multiple of 100 of at least 1000", v)
		}
	}
	f := newFixture(t)
	ctx := context.Background()
	conn := connect(t, f.DBURL)
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", strings.Fields(sql)[0:3], err)
		}
	}
	start := time.Now()
	exec(`INSERT INTO contacts (given_name, family_name, sort_key, search_text)
		SELECT 'Test', 'Beispiel' || g, 'beispiel' || g, '' FROM generate_series(1, $1) g`, n)
	// in id order, so the indexes led by contact_id fill from one end
	exec(`INSERT INTO contact_emails (contact_id, position, address, normalized)
		SELECT id, 0, 'person-' || id || '@example.org', 'person-' || id || '@example.org' FROM contacts ORDER BY id`)
	exec(`INSERT INTO contact_phones (contact_id, position, number)
		SELECT id, 0, '+49301' || lpad(substring(family_name FROM 9), 7, '0') FROM contacts
		WHERE substring(family_name FROM 9)::int % 3 = 0 ORDER BY id`)
	hashStart := time.Now()
	hashed, err := blacklist.HashAllIdentifiers(ctx, f.App.DB, f.App.Keyring, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("hashed %d identifiers (the startup pass after migration 00011) in %s", hashed, time.Since(hashStart).Round(time.Millisecond))
	seedBlacklist(t, conn, f.App.Keyring, n)
	exec(`INSERT INTO list_members (list_id, contact_id)
		SELECT l.id, c.id FROM distribution_lists l, contacts c WHERE l.key = 'news-de' ORDER BY c.id`)
	exec(`INSERT INTO list_members (list_id, contact_id)
		SELECT l.id, c.id FROM distribution_lists l, contacts c WHERE l.key = 'calls-q3' AND c.family_name LIKE '%7' ORDER BY c.id`)
	exec(`INSERT INTO consent_events (contact_id, purpose_id, status, source, recorded_by, recorded_by_token)
		SELECT c.id, p.id, 'GRANTED', 'import', 'test', 'test' FROM contacts c, purposes p
		WHERE p.key = 'newsletter' AND substring(c.family_name FROM 9)::int % 2 = 0 ORDER BY c.id`)
	exec(`INSERT INTO consent_events (contact_id, purpose_id, status, source, recorded_by, recorded_by_token)
		SELECT c.id, p.id, 'REVOKED', 'phone', 'test', 'test' FROM contacts c, purposes p
		WHERE p.key = 'newsletter' AND substring(c.family_name FROM 9)::int % 10 = 0 ORDER BY c.id`)
	exec(`VACUUM ANALYZE`)
	t.Logf("generated %d contacts with e-mails, %d phones, %d blacklist entries, %d memberships and %d ledger entries in %s",
		n, n/3, n, n+n/10, n/2+n/10, time.Since(start).Round(time.Millisecond))

	var listID, purposeID, middle string
	if err := conn.QueryRow(ctx, `SELECT l.id, l.purpose_id FROM distribution_lists l WHERE l.key = 'news-de'`).Scan(&listID, &purposeID); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, `SELECT contact_id FROM list_members WHERE list_id = $1 ORDER BY contact_id OFFSET $2 LIMIT 1`,
		listID, n/2).Scan(&middle); err != nil {
		t.Fatal(err)
	}

	// cursors spread over the list, for the timings below
	idRows, err := conn.Query(ctx, `SELECT contact_id::text FROM list_members WHERE list_id = $1 AND random() < 0.002`, listID)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(idRows, pgx.RowTo[string])
	if err != nil || len(ids) == 0 {
		t.Fatalf("cursors: %d, %v", len(ids), err)
	}

	big := regexp.MustCompile(`Seq Scan on (list_members|consent_state|contacts|consent_events|contact_emails|contact_phones|blacklist_hashes)`)
	// explain logs the plan; for a page (not the count, which reads the whole list and may
	// rightly prefer a sequential scan) it must read list_members and consent_state from their
	// indexes only and never scan a big table.
	explain := func(name string, page bool, sql string, args ...any) {
		t.Helper()
		plan := pgtest.Plan(t, conn, `EXPLAIN (ANALYZE, BUFFERS) `+sql, args...)
		t.Logf("%s:\n%s", name, plan)
		if !page {
			return
		}
		if m := big.FindString(plan); m != "" {
			t.Errorf("%s: plan has %q", name, m)
		}
		// list_members is read through either of its indexes, both covering the join
		for _, idx := range []string{"Index Only Scan using list_members_", "Index Only Scan using consent_state_granted",
			"Index Only Scan using blacklist_hashes_pkey"} {
			if !strings.Contains(plan, idx) {
				t.Errorf("%s: plan lacks %q", name, idx)
			}
		}
	}
	for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
		exec(`SET plan_cache_mode = ` + mode)
		explain(mode+", first page", true, consent.RecipientsQuery, listID, purposeID, store.BeforeAllIDs, 501)
		explain(mode+", page from the middle", true, consent.RecipientsQuery, listID, purposeID, middle, 501)
	}
	explain("totalCount", false, consent.RecipientsCount, listID, purposeID)
	exec(`RESET plan_cache_mode`)

	// The exclusion's cost: the same pages with pgx, with and without it, by turns.
	pageTime := func(sql, after string) time.Duration {
		start := time.Now()
		rows, err := conn.Query(ctx, sql, listID, purposeID, after, 101)
		if err != nil {
			t.Fatal(err)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return time.Since(start)
	}
	var with, without time.Duration
	const reps = 200
	for i := range reps + 20 {
		from := ids[(i*7919)%len(ids)]
		w, wo := pageTime(consent.RecipientsQuery, from), pageTime(consent.UnfilteredRecipientsQuery, from)
		if i >= 20 { // warm-up
			with, without = with+w, without+wo
		}
	}
	t.Logf("recipients page of 100 with pgx: %s per request with the blacklist exclusion, %s without (ratio %.2f, target <= 1.2)",
		(with / reps).Round(time.Microsecond), (without / reps).Round(time.Microsecond), float64(with)/float64(without))

	// Timings over GraphQL, as an integrator's newsletter tool would page.
	type page struct {
		Recipients struct {
			TotalCount int
			PageInfo   struct{ EndCursor *string }
			Edges      []struct{ Node struct{ Emails []string } }
		}
	}
	timeIt := func(name, query string, vars map[string]any, reps int) page {
		t.Helper()
		var p page
		f.MustAdmin(t, &p, query, vars) // warm
		start := time.Now()
		for range reps {
			f.MustAdmin(t, &p, query, vars)
		}
		t.Logf("%s: %s per request (%d requests)", name, (time.Since(start) / time.Duration(reps)).Round(10*time.Microsecond), reps)
		return p
	}
	const pageQuery = `query($after: String) { recipients(listKey: "news-de", first: 500, after: $after) {
		pageInfo { endCursor } edges { node { givenName familyName emails } } } }`
	p := timeIt("recipients, first page of 500", pageQuery, nil, 20)
	if len(p.Recipients.Edges) != 500 || len(p.Recipients.Edges[0].Node.Emails) != 1 {
		t.Fatalf("first page has %d recipients", len(p.Recipients.Edges))
	}
	deep := timeIt("recipients, page of 500 from the middle", pageQuery, map[string]any{"after": store.EncodeCursor(middle)}, 20)
	if len(deep.Recipients.Edges) != 500 {
		t.Errorf("deep page has %d recipients", len(deep.Recipients.Edges))
	}
	count := timeIt("recipients, first page of 50 with totalCount", `{ recipients(listKey: "news-de") { totalCount edges { node { id } } } }`, nil, 5)
	// above store.ExactCountLimit an estimate: the planner's, of a join
	if want, got := n/2-n/10-n/100, count.Recipients.TotalCount; got < want*3/4 || got > want*5/4 {
		t.Errorf("totalCount = %d, want %d (granted minus revoked minus blocked) within 25 %%", got, want)
	}

	// Paging the whole list, as a mailing run does.
	start = time.Now()
	seen := 0
	var after any
	for {
		var pg page
		f.MustAdmin(t, &pg, pageQuery, map[string]any{"after": after})
		seen += len(pg.Recipients.Edges)
		if pg.Recipients.PageInfo.EndCursor == nil || len(pg.Recipients.Edges) < 500 {
			break
		}
		after = *pg.Recipients.PageInfo.EndCursor
	}
	t.Logf("paged all %d recipients in pages of 500 over GraphQL in %s", seen, time.Since(start).Round(time.Millisecond))
	if seen != n/2-n/10-n/100 {
		t.Errorf("paged %d recipients, want %d", seen, n/2-n/10-n/100)
	}
}

// seedBlacklist writes n blacklist entries, each with one e-mail hash under keyring's current
// key: the e-mails of the contacts numbered 2 modulo 100 (so n/100 recipients are blocked) and
// e-mails of no contact for the rest, with COPY.
func seedBlacklist(t *testing.T, conn *pgx.Conn, keyring *screening.Keyring, n int) {
	t.Helper()
	ctx := context.Background()
	key := keyring.Current().ID
	if _, err := conn.Exec(ctx, `INSERT INTO blacklist_entries (id, source, reason, key_id, identifier_kinds)
		SELECT md5('entry-' || i)::uuid, 'MANUAL', 'objection', $2, '{EMAIL}' FROM generate_series(1, $1) i`, n, key); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, `SELECT e.normalized FROM contact_emails e JOIN contacts c ON c.id = e.contact_id
		WHERE substring(c.family_name FROM 9)::int % 100 = 2`)
	if err != nil {
		t.Fatal(err)
	}
	blocked, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(blocked) != n/100 {
		t.Fatalf("%d e-mails to block, %v; want %d", len(blocked), err, n/100)
	}
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i == n {
			return nil, nil
		}
		i++
		email := fmt.Sprintf("erased.%d@example.org", i)
		if i <= len(blocked) {
			email = blocked[i-1]
		}
		h, err := keyring.Hash(key, screening.KindEmail, email)
		sum := md5.Sum(fmt.Appendf(nil, "entry-%d", i))
		return []any{uuid.UUID(sum), "EMAIL", key, h}, err
	})
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"blacklist_hashes"}, []string{"entry_id", "kind", "key_id", "hash"}, src); err != nil {
		t.Fatal(err)
	}
}
