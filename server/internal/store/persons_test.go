package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/store"
)

// PersonsOrRecords answers for many records at once what PersonOrRecord answers for each: the
// same records in the same order, and the record alone where a number is shared far beyond one
// person — in one statement per step of the search, not one search per record.
func TestPersonsOrRecordsIsPersonOrRecordOfEach(t *testing.T) {
	ctx := context.Background()
	conn := pgtest.Connect(t, pgtest.NewDB(t))
	family := sharing(t, conn, 3, "+49305550201")
	office := sharing(t, conn, store.MaxPersonRecords+1, "+49305550202")
	alone := sharing(t, conn, 1, "+49305550203")
	// a chain: family[2] shares an e-mail with linked[0], which shares another number with linked[1]
	linked := sharing(t, conn, 2, "+49305550204")
	if _, err := conn.Exec(ctx, `INSERT INTO contact_emails (contact_id, position, address, normalized)
		VALUES ($1, 0, 'kette@example.test', 'kette@example.test'), ($2, 0, 'kette@example.test', 'kette@example.test')`,
		family[2], linked[0]); err != nil {
		t.Fatal(err)
	}
	ids := []string{family[0], office[0], alone[0], linked[1], family[0], office[5], linked[0]}
	q := &countingQueries{Conn: conn}
	records, whole, err := store.PersonsOrRecords(ctx, q, ids)
	if err != nil {
		t.Fatal(err)
	}
	if q.n > 4 {
		t.Errorf("PersonsOrRecords of %d records sent %d statements, want one per step of the search (4)", len(ids), q.n)
	}
	for i, id := range ids {
		want, wantWhole, err := store.PersonOrRecord(ctx, conn, id, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(records[i], want) || whole[i] != wantWhole {
			t.Errorf("record %d: PersonsOrRecords %v (whole %v), PersonOrRecord %v (whole %v)", i, records[i], whole[i], want, wantWhole)
		}
	}
	if len(records[0]) != 5 || whole[1] || len(records[1]) != 1 {
		t.Errorf("the family and its chain: %d records, want 5; the office's: whole %v, %d records, want the record alone", len(records[0]), whole[1], len(records[1]))
	}
}

// countingQueries counts the statements sent through it.
type countingQueries struct {
	*pgx.Conn
	n int
}

func (c *countingQueries) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	c.n++
	return c.Conn.Query(ctx, sql, args...)
}
