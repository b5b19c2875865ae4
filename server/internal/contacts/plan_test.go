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
