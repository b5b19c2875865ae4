package store_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// The candidates of look-alikes are read by the trigram index of search_text, also for a name
// written without its separator (the other record's text holds the name joined, "obrien",
// since 00058), not by reading every contact at a postal code or every contact: 300,000
// contacts at 1,000 postal codes, 3,000 of them with a name of two words.
func TestLookAlikeCandidatesAreReadByTheTrigramIndex(t *testing.T) {
	ctx := t.Context()
	conn := pgtest.Connect(t, pgtest.NewDB(t))
	i := 0
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"contacts"}, []string{"given_name", "family_name", "street", "postal_code", "city", "sort_key", "search_text"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i++; i > 300_000 {
				return nil, nil
			}
			c := screening.Contact{GivenName: "Erika", FamilyName: "Testfrau" + strconv.Itoa(i),
				Address: &screening.Address{Street: "Teststraße " + strconv.Itoa(i%200), PostalCode: strconv.Itoa(10000 + i%1000), City: "Teststadt"}}
			if i%100 == 0 {
				c.FamilyName = "O'Testbrien " + strconv.Itoa(i)
			}
			return []any{c.GivenName, c.FamilyName, c.Address.Street, c.Address.PostalCode, c.Address.City,
				store.SortKey(c.FamilyName, c.GivenName, ""), store.SearchText(c)}, nil
		})); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `VACUUM ANALYZE contacts`); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ family, postal, want string }{
		{"OTestbrien4200", "10200", "O'Testbrien 4200"},
		{"O'Testbrien 4200", "10200", "O'Testbrien 4200"},
		{"Testfrau4201", "10201", "Testfrau4201"},
	} {
		query, args := store.LookAlikeCandidates("00000000-0000-4000-8000-000000000001", "Erika", tc.family, tc.postal, "Teststraße 1")
		plan := pgtest.Plan(t, conn, `EXPLAIN (COSTS OFF) `+query, args...)
		if !strings.Contains(plan, "Bitmap Index Scan on contacts_search") || strings.Contains(plan, "Seq Scan") {
			t.Errorf("the candidates of %q are not read by the trigram index:\n%s", tc.family, plan)
		}
		rows, _ := conn.Query(ctx, `SELECT c.family_name FROM (`+query+`) c(id, given_name, family_name, postal_code, street)`, args...)
		found, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(found, tc.want) {
			t.Errorf("the candidates of %q at her postal code: %d, without %q", tc.family, len(found), tc.want)
		}
	}
}
