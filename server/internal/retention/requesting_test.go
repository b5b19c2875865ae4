package retention_test

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/retention"
	"github.com/vermerk/vermerk/server/internal/store"
)

// The records an open request holds are those of her person (store.PersonOrRecord of each
// record a request was filed on; the record alone where a number is shared far beyond one
// person), found for all the open requests together: one statement per step of the search
// (store.PersonsOrRecords), not one search per request.
func TestPersonsRequestingAreThePersonsOfEachRequestSearchedTogether(t *testing.T) {
	ctx := context.Background()
	conn := pgtest.Connect(t, pgtest.NewDB(t))
	family := sharingPhone(t, conn, 3, "+49305550301")
	office := sharingPhone(t, conn, store.MaxPersonRecords+1, "+49305550302")
	var alone []string // five persons of one record each
	for _, n := range []string{"+49305550311", "+49305550312", "+49305550313", "+49305550314", "+49305550315"} {
		alone = append(alone, sharingPhone(t, conn, 1, n)...)
	}
	linked := sharingPhone(t, conn, 2, "+49305550304") // linked[0] shares an e-mail with family[2]
	if _, err := conn.Exec(ctx, `INSERT INTO contact_emails (contact_id, position, address, normalized)
		VALUES ($1, 0, 'kette@example.test', 'kette@example.test'), ($2, 0, 'kette@example.test', 'kette@example.test')`,
		family[2], linked[0]); err != nil {
		t.Fatal(err)
	}
	filed := append([]string{family[0], office[3], linked[1], family[1]}, alone...)
	if _, err := conn.Exec(ctx, `INSERT INTO data_subject_requests (kind, contact_id, received_at, due_at, channel, filed_by_id, filed_by_name)
		SELECT 'ACCESS', c, now(), now() + interval '1 month', 'letter', 'staff', 'Staff' FROM unnest($1::uuid[]) c`, filed); err != nil {
		t.Fatal(err)
	}
	// a closed request holds nobody
	if _, err := conn.Exec(ctx, `INSERT INTO data_subject_requests (kind, status, contact_id, received_at, due_at, channel, filed_by_id, filed_by_name, closed_at, outcome)
		VALUES ('ACCESS', 'DONE', $1, now(), now() + interval '1 month', 'letter', 'staff', 'Staff', now(), 'sent')`, office[7]); err != nil {
		t.Fatal(err)
	}

	q := &countingQuerier{Conn: conn}
	held, err := retention.PersonsRequesting(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, id := range filed {
		records, _, err := store.PersonOrRecord(ctx, conn, id, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range records {
			want[r] = true
		}
	}
	if !maps.Equal(held, want) {
		got, exp := slices.Sorted(maps.Keys(held)), slices.Sorted(maps.Keys(want))
		t.Errorf("held by open requests: %d records %v; PersonOrRecord of each request's record: %d records %v", len(got), got, len(exp), exp)
	}
	if len(want) != 11 { // the family and its chain (5), the office's record alone, the lone records
		t.Fatalf("the fixture: PersonOrRecord holds %d records, want 11", len(want))
	}
	// the open requests (1), then the search: the records, their neighbours, theirs, none new
	if q.n > 5 {
		t.Errorf("the persons of %d open requests took %d statements, want one for the requests and one per step of the search (5)", len(filed), q.n)
	}
}

// sharingPhone writes n records (Test Zentrale 1…n) holding number, in id order.
func sharingPhone(t *testing.T, conn *pgx.Conn, n int, number string) []string {
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

// countingQuerier counts the statements sent through it.
type countingQuerier struct {
	*pgx.Conn
	n int
}

func (c *countingQuerier) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	c.n++
	return c.Conn.Query(ctx, sql, args...)
}
