package main

import (
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

func TestMain(m *testing.M) {
	if os.Getenv(floorAddrEnv) != "" {
		main() // the bench starts its own binary, this test binary here, as the floor server
		return
	}
	pgtest.Main(m)
}

// The bench looks seeded contacts up by the id Go computes: it must be the one the seed SQL wrote.
func TestContactIDIsTheSeedSQLs(t *testing.T) {
	conn, err := pgx.Connect(t.Context(), pgtest.NewEmptyDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	for _, i := range []int{1, 99, 100_000, 10_000_000} {
		var got string
		if err := conn.QueryRow(t.Context(), `SELECT `+contactIDSQL+`::text FROM (SELECT $1::int AS i) s`, i).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if want := contactID(i); got != want {
			t.Errorf("contact %d: the seed SQL gives %s, contactID %s", i, got, want)
		}
		if err := conn.QueryRow(t.Context(), `SELECT `+retentionIDSQL+`::text FROM (SELECT $1::int AS i) s`, i).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if want := orderedID("retention-", retentionEpochMS, i); got != want {
			t.Errorf("retention contact %d: the seed SQL gives %s, orderedID %s", i, got, want)
		}
		if got >= contactID(1) {
			t.Errorf("retention contact %d: id %s not older than the first contact's %s", i, got, contactID(1))
		}
	}
}

// The seeds write the sort key and search text in SQL: they must be store's, as every writer's.
func TestSeededNamesAreStores(t *testing.T) {
	conn, err := pgx.Connect(t.Context(), pgtest.NewEmptyDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	for _, i := range []int{1, 99, 10_000_000} {
		var c screening.Contact
		var key, text string
		if err := conn.QueryRow(t.Context(), `SELECT `+seededNameSQL+` FROM (SELECT $1::int AS i) s`, i).Scan(&c.GivenName, &c.FamilyName, &key, &text); err != nil {
			t.Fatal(err)
		}
		if want := store.SortKey(c.FamilyName, c.GivenName, ""); key != want {
			t.Errorf("seeded contact %d: sort key %q, store.SortKey %q", i, key, want)
		}
		if want := store.SearchText(c); text != want {
			t.Errorf("seeded contact %d: search text %q, store.SearchText %q", i, text, want)
		}
	}
}
