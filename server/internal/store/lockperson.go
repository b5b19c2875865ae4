package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/apperr"
)

// LockPersonOf locks, with lock (a row-lock clause), the live record id names — id itself, or
// the record it was merged into, followed as LockSurvivor follows it — together with every
// record of its person (PersonOrRecord), all in id order in one statement. Two transactions
// acting on one person through two of her records (her one-click unsubscribe in two
// newsletters at once, on two instances) then wait for each other instead of each locking
// its own record first and deadlocking on the other's. A record that joins the person while
// the locks are awaited is locked after them. It returns the record's id and the person's
// records (that id first; whole as PersonOrRecord says); NOT_FOUND when the record is gone
// (erased, deleted).
func LockPersonOf(ctx context.Context, tx pgx.Tx, id, lock string) (into string, person []string, whole bool, err error) {
	into, err = Survivor(ctx, tx, id)
	var locked []string
	for err == nil {
		if person, whole, err = PersonOrRecord(ctx, tx, into, nil); err != nil {
			break
		}
		missing := slices.DeleteFunc(slices.Clone(person), func(p string) bool { return slices.Contains(locked, p) })
		if len(missing) == 0 {
			return into, person, whole, nil
		}
		var rows pgx.Rows
		if rows, err = tx.Query(ctx, `SELECT id::text FROM contacts WHERE id = ANY($1::uuid[]) ORDER BY id `+lock, missing); err != nil {
			break
		}
		var got []string
		if got, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			break
		}
		locked = append(locked, got...)
		if slices.Contains(locked, into) {
			continue // read the person again: a record may have joined or left her while we waited
		}
		// gone once the lock was granted: a merge committed meanwhile, which a later statement sees
		var again string
		if again, err = Survivor(ctx, tx, id); err == nil && again == into {
			return "", nil, false, apperr.NotFoundf("no contact with id %s", id)
		}
		into = again
	}
	return "", nil, false, fmt.Errorf("store.LockPersonOf(%s): %w", id, err)
}
