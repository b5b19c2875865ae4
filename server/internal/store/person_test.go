package store_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// countingQuerier counts the rows its queries hand back.
type countingQuerier struct {
	*pgx.Conn
	rows int
}

func (c *countingQuerier) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	rows, err := c.Conn.Query(ctx, sql, args...)
	return &countingRows{Rows: rows, n: &c.rows}, err
}

type countingRows struct {
	pgx.Rows
	n *int
}

func (r *countingRows) Next() bool {
	ok := r.Rows.Next()
	if ok {
		*r.n++
	}
	return ok
}

// sharing creates n contacts that all have the phone number, and returns their ids in order.
func sharing(t *testing.T, conn *pgx.Conn, n int, number string) []string {
	t.Helper()
	rows, err := conn.Query(t.Context(), `WITH c AS (
			INSERT INTO contacts (given_name, family_name, sort_key, search_text)
			SELECT 'Test', 'Zentrale ' || g, 'zentrale ' || g, '' FROM generate_series(1, $1::int) g RETURNING id),
		p AS (INSERT INTO contact_phones (contact_id, position, number) SELECT id, 0, $2 FROM c)
		SELECT id::text FROM c ORDER BY id`, n, number)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// A person is at most store.MaxPersonRecords records; an office's switchboard number on
// thousands of records makes no one person, and finding that out reads about as many rows as
// the bound, not every record the number is on (revocations, texts and erasures ask this on
// every call).
func TestSamePersonIsBoundedByMaxPersonRecords(t *testing.T) {
	ctx := context.Background()
	conn := pgtest.Connect(t, pgtest.NewDB(t))
	q := &countingQuerier{Conn: conn}

	family := sharing(t, conn, store.MaxPersonRecords, "+49305550101")
	records, kept, err := store.SamePerson(ctx, q, family[0], nil)
	if err != nil || len(records) != store.MaxPersonRecords || len(kept) != 0 || records[0] != family[0] {
		t.Fatalf("%d records sharing a number: %d records, kept %v, %v; want all of them, the named one first", len(family), len(records), kept, err)
	}

	office := sharing(t, conn, store.MaxPersonRecords+1, "+49305550102")
	if _, _, err := store.SamePerson(ctx, q, office[0], nil); !isTooLarge(err) {
		t.Errorf("%d records sharing a number: %v, want PERSON_TOO_LARGE", len(office), err)
	}
	records, kept, err = store.SamePerson(ctx, q, office[0], office[1:2])
	if err != nil || len(records) != store.MaxPersonRecords || len(kept) != 1 || kept[0] != office[1] {
		t.Errorf("%d records sharing a number, one kept: %d records, kept %v, %v; want %d and the kept one", len(office), len(records), kept, err, store.MaxPersonRecords)
	}

	switchboard := sharing(t, conn, 5000, "+49305550100")
	q.rows = 0
	if _, _, err := store.SamePerson(ctx, q, switchboard[0], nil); !isTooLarge(err) {
		t.Errorf("5000 records sharing a number: %v, want PERSON_TOO_LARGE", err)
	}
	if limit := store.MaxPersonRecords + 2; q.rows > limit {
		t.Errorf("telling 5000 records sharing a number too large read %d rows, want at most %d", q.rows, limit)
	}
}

func isTooLarge(err error) bool {
	ae, ok := apperr.As(err)
	return ok && ae.Reason == apperr.ReasonPersonTooLarge
}
