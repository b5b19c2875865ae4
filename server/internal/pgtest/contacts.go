package pgtest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// ContactsDB connects to a fresh database holding n generated contacts (Erika Mustermann 1…n,
// no identifiers), analysed so that the planner knows its size: for tests of query plans. The
// connection is closed when the test ends.
func ContactsDB(t testing.TB, n int) *pgx.Conn {
	t.Helper()
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, NewDB(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	if _, err := conn.Exec(ctx, `INSERT INTO contacts (given_name, family_name, sort_key, search_text)
		SELECT 'Erika', 'Mustermann ' || i, 'mustermann ' || i, 'erika mustermann ' || i FROM generate_series(1, $1::int) i`, n); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `ANALYZE contacts`); err != nil {
		t.Fatal(err)
	}
	return conn
}
