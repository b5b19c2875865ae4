package pgtest

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// ContactsDB connects to a fresh database holding n generated contacts (Erika Mustermann 1…n,
// no identifiers), analysed so that the planner knows its size: for tests of query plans. Their
// sort keys and search texts are store's, as every writer's. The connection is closed when
// the test ends.
func ContactsDB(t testing.TB, n int) *pgx.Conn {
	t.Helper()
	ctx := t.Context()
	conn := Connect(t, NewDB(t))
	i := 0
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"contacts"}, []string{"given_name", "family_name", "sort_key", "search_text"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i++; i > n {
				return nil, nil
			}
			c := screening.Contact{GivenName: "Erika", FamilyName: "Mustermann " + strconv.Itoa(i)}
			return []any{c.GivenName, c.FamilyName, store.SortKey(c.FamilyName, c.GivenName, ""), store.SearchText(c)}, nil
		})); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `ANALYZE contacts`); err != nil {
		t.Fatal(err)
	}
	return conn
}

// OtherPeople adds n generated contacts to the database of conn (Otto Fremd1…n), each with an
// e-mail (fremd<i>@example.test) and a phone of its own: the crowd a test of a query plan looks
// for one person among.
func OtherPeople(t testing.TB, conn *pgx.Conn, n int) {
	t.Helper()
	if _, err := conn.Exec(t.Context(), `WITH c AS (INSERT INTO contacts (given_name, family_name, sort_key, search_text)
			SELECT 'Otto', 'Fremd' || i, 'fremd', 'otto fremd' FROM generate_series(1, $1::int) i RETURNING id, family_name),
		m AS (INSERT INTO contact_emails (contact_id, position, address, normalized, hash, key_id)
			SELECT id, 0, family_name || '@example.test', family_name || '@example.test', sha256(family_name::bytea), 'k1' FROM c)
		INSERT INTO contact_phones (contact_id, position, number, hash, key_id)
			SELECT id, 0, '+4930' || (5550000 + substr(family_name, 6)::int), sha256(('p' || family_name)::bytea), 'k1' FROM c`, n); err != nil {
		t.Fatal(err)
	}
}

// Connect connects to dbURL, or fails t; the connection is closed when the test ends.
func Connect(t testing.TB, dbURL string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// Plan runs an EXPLAIN statement (the caller writes EXPLAIN and its options) and returns the
// plan, one line per line; any error fails t.
func Plan(t testing.TB, conn *pgx.Conn, explain string, args ...any) string {
	t.Helper()
	rows, _ := conn.Query(t.Context(), explain, args...) // an error comes with the rows
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("%s: %v", explain, err)
	}
	return strings.Join(lines, "\n")
}

// PlanRunAgain runs query twice under EXPLAIN (ANALYZE, BUFFERS) and returns the second run's
// plan, and whether that run read pages from outside shared buffers.
func PlanRunAgain(t testing.TB, conn *pgx.Conn, query string, args ...any) (plan string, read bool) {
	t.Helper()
	explain := `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY OFF) ` + query
	Plan(t, conn, explain, args...)
	plan = Plan(t, conn, explain, args...)
	return plan, strings.Contains(plan, " read=")
}
