package pgtest_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestNewDBIsIsolated(t *testing.T) {
	begin := time.Now()
	first := pgtest.NewDB(t)
	t.Logf("first NewDB (cluster start + template migration + clone): %v", time.Since(begin))
	var clones []time.Duration
	for i := 0; i < 10; i++ {
		begin = time.Now()
		pgtest.NewDB(t)
		clones = append(clones, time.Since(begin))
	}
	second := pgtest.NewDB(t)
	slices.Sort(clones)
	median := clones[len(clones)/2]
	t.Logf("NewDB clone: min %v, median %v, max %v", clones[0], median, clones[len(clones)-1])
	if median > time.Second {
		t.Errorf("cloning takes %v, want well under a second", median)
	}

	if _, err := pgtest.Connect(t, first).Exec(t.Context(), "CREATE TABLE only_here (id int)"); err != nil {
		t.Fatal(err)
	}
	_, err := pgtest.Connect(t, second).Exec(t.Context(), "SELECT * FROM only_here")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42P01" {
		t.Fatalf("table of one database visible in another: err = %v", err)
	}
}

func TestNewDBIsMigrated(t *testing.T) {
	current, latest, err := migrations.Status(t.Context(), pgtest.NewDB(t))
	if err != nil {
		t.Fatal(err)
	}
	if current != latest {
		t.Errorf("clone at version %d, want %d", current, latest)
	}
}

func TestNewDBParallel(t *testing.T) {
	for i := 0; i < 8; i++ {
		t.Run("", func(t *testing.T) {
			t.Parallel()
			conn := pgtest.Connect(t, pgtest.NewDB(t))
			if _, err := conn.Exec(t.Context(), "CREATE TABLE mine (id int)"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestClusterRestart(t *testing.T) {
	db := pgtest.NewDB(t)
	if _, err := pgtest.Connect(t, db).Exec(t.Context(), "CREATE TABLE kept (id int); INSERT INTO kept VALUES (7)"); err != nil {
		t.Fatal(err)
	}
	c := pgtest.Cluster(t)
	if err := c.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	var id int
	if err := pgtest.Connect(t, db).QueryRow(t.Context(), "SELECT id FROM kept").Scan(&id); err != nil || id != 7 {
		t.Fatalf("after restart: id=%d err=%v", id, err)
	}
}
