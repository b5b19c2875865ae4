package retention

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/store"
)

// TestBatchesReadOneRangeEach: the prepared batch query keeps the cursor an index condition in
// its generic plan, so a run reads each contact once. (With "$1 IS NULL OR id > $1" the
// generic plan read or sorted the whole table for every batch: at 10,000,000 contacts the
// bench's dry run did not end.)
func TestBatchesReadOneRangeEach(t *testing.T) {
	ctx := t.Context()
	conn := pgtest.ContactsDB(t, 5000)
	if _, err := conn.Exec(ctx, `SET plan_cache_mode = force_generic_plan`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Prepare(ctx, "batch", batchQuery); err != nil {
		t.Fatal(err)
	}
	after, seen := store.BeforeAllIDs, 0
	for {
		rows, _ := conn.Query(ctx, "batch", after, 1000)
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) == 0 {
			break
		}
		seen += len(ids)
		after = ids[len(ids)-1]
	}
	if seen != 5000 {
		t.Errorf("the batches saw %d contacts, want 5000", seen)
	}
	if plan := pgtest.Plan(t, conn, `EXPLAIN EXECUTE batch('`+store.BeforeAllIDs+`', 1000)`); !strings.Contains(plan, "Index Cond: (id > $1)") {
		t.Errorf("the batch query does not start at its cursor:\n%s", plan)
	}
}
