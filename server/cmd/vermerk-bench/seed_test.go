package main

import (
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/pgtest"
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
