package store

import (
	"context"
	"encoding/json"
	"fmt"
)

// ExactCountLimit is up to where Count counts exactly: reading that many index entries costs
// about a millisecond, while counting a million contacts costs a fifth of a second.
const ExactCountLimit = 10_000

// Count is the number of rows the SELECT rows returns: exact when there are at most
// ExactCountLimit, else the planner's estimate (from the table statistics, scaled to the
// table's current size, so within a few percent of an unfiltered table's count), never below
// ExactCountLimit+1. exact says which.
func Count(ctx context.Context, q Querier, rows string, args ...any) (n int, exact bool, err error) {
	return CountEstimating(ctx, q, rows, rows, args...)
}

// CountEstimating is Count whose estimate comes from the planner's row count for estimate
// (same arguments), for a rows query whose filters the planner cannot judge: an anti-join
// against the blacklist is expected to remove nearly every row, which it rarely does.
func CountEstimating(ctx context.Context, q Querier, rows, estimate string, args ...any) (n int, exact bool, err error) {
	if err := q.QueryRow(ctx, CountQuery(rows), args...).Scan(&n); err != nil {
		return 0, false, fmt.Errorf("store.Count: %w", err)
	}
	if n <= ExactCountLimit {
		return n, true, nil
	}
	var plan []byte
	if err := q.QueryRow(ctx, `EXPLAIN (FORMAT JSON) `+estimate, args...).Scan(&plan); err != nil {
		return 0, false, fmt.Errorf("store.Count: estimate: %w", err)
	}
	var p []struct {
		Plan struct {
			Rows float64 `json:"Plan Rows"`
		}
	}
	if err := json.Unmarshal(plan, &p); err != nil || len(p) == 0 {
		return 0, false, fmt.Errorf("store.Count: estimate: unexpected plan %.200s", plan)
	}
	return max(int(p[0].Plan.Rows), ExactCountLimit+1), false, nil
}

// CountQuery counts the rows of the SELECT rows up to ExactCountLimit+1.
func CountQuery(rows string) string {
	return fmt.Sprintf(`SELECT count(*) FROM (%s LIMIT %d) counted`, rows, ExactCountLimit+1)
}
