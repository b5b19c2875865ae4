package contacts

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/store"
)

// TestLookupByIDKeepsGenericPlan: after its first five runs, the lookup of contact(id) (and of
// the contacts loader) runs on PostgreSQL's generic plan even when it asks for one contact, so
// it is not planned afresh for every request; and the padded keys return each contact once.
func TestLookupByIDKeepsGenericPlan(t *testing.T) {
	ctx := t.Context()
	conn := pgtest.ContactsDB(t, 5000)
	rows, _ := conn.Query(ctx, `SELECT id::text FROM contacts ORDER BY sort_key LIMIT 3`)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Prepare(ctx, "contacts_by_ids", contactsByIDs); err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		keys := ids[:1+i%2] // one contact, then two
		arg, err := store.UUIDArray(store.GenericPlanKeys(keys))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := conn.Query(ctx, "contacts_by_ids", arg)
		found, err := collect(rows)
		if err != nil {
			t.Fatal(err)
		}
		if len(found) != len(keys) {
			t.Fatalf("looking up %d contacts returned %d rows", len(keys), len(found))
		}
	}
	plan := pgtest.Plan(t, conn, `EXPLAIN EXECUTE contacts_by_ids('{`+ids[0]+`}')`) // a utility statement takes no parameters
	if !strings.Contains(plan, "ANY ($1)") {                                        // a custom plan names the keys themselves
		t.Errorf("the lookup by id is planned for each run's keys, not generically:\n%s", plan)
	}
}

// TestCountOfAllContactsStaysInSharedBuffers: the exact part of totalCount over all contacts
// reads the first store.ExactCountLimit+1 entries of the primary key, so a count run again
// finds them in shared buffers. Counting them off the table instead (a sequential scan) reads
// a table larger than a quarter of shared_buffers through a ring of a few buffers, so every
// count read its first pages anew: at 10,000,000 contacts that made a first page with
// totalCount grow ×1.4–1.9 over 1,000,000 (the bench's contacts_total_count_ms). The test
// cluster has 32 MB of shared buffers, and 300,000 contacts (40 MB) are more than it holds.
func TestCountOfAllContactsStaysInSharedBuffers(t *testing.T) {
	conn := pgtest.ContactsDB(t, 300_000)
	var mb float64
	if err := conn.QueryRow(t.Context(), `SELECT pg_table_size('contacts') / 1048576.0`).Scan(&mb); err != nil || mb < 32 {
		t.Fatalf("contacts take %.1f MB (%v): not more than the 32 MB of shared buffers", mb, err)
	}
	if _, err := conn.Exec(t.Context(), `VACUUM contacts`); err != nil { // as autovacuum would: the visibility map
		t.Fatal(err)
	}
	if plan, read := pgtest.PlanRunAgain(t, conn, store.CountQuery(allContacts)); read || !strings.Contains(plan, "contacts_pkey") {
		t.Errorf("a count run again reads from outside shared buffers, or not the primary key:\n%s", plan)
	}
}

// TestSearchReadsTheTrigramIndex: a term with an umlaut is looked for in two forms
// (store.SearchFolds: "muller", "mueller"), and both are answered by the trigram index of
// search_text, not by reading every contact (at 20,000 contacts reading them all is cheaper).
func TestSearchReadsTheTrigramIndex(t *testing.T) {
	conn := pgtest.ContactsDB(t, 100_000)
	tm := searchTerms("Müller")
	if len(tm.text) != 2 {
		t.Fatalf("search terms of Müller: %q, want two forms", tm.text)
	}
	plan := pgtest.Plan(t, conn, `EXPLAIN (COSTS OFF) `+matching, tm.text, tm.email, tm.phone)
	if !strings.Contains(plan, "Bitmap Index Scan on contacts_search") || strings.Contains(plan, "Seq Scan on contacts") {
		t.Errorf("a search for Müller does not read the trigram index:\n%s", plan)
	}
}
