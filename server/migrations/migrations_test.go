package migrations_test

import (
	"net/url"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestApplyFromEmpty(t *testing.T) {
	db := pgtest.NewEmptyDB(t)
	current, latest, err := migrations.Status(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	if current != 0 || latest < 1 {
		t.Fatalf("empty database: current=%d latest=%d", current, latest)
	}
	if err := migrations.Apply(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	if current, _, err = migrations.Status(t.Context(), db); err != nil || current != latest {
		t.Fatalf("after Apply: current=%d latest=%d err=%v", current, latest, err)
	}
	if err := migrations.Apply(t.Context(), db); err != nil {
		t.Fatalf("second Apply: %v", err)
	}
}

// Several server instances may start at once against one database.
func TestApplyConcurrently(t *testing.T) {
	db := pgtest.NewEmptyDB(t)
	var g errgroup.Group
	for i := 0; i < 4; i++ {
		g.Go(func() error { return migrations.Apply(t.Context(), db) })
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	current, latest, err := migrations.Status(t.Context(), db)
	if err != nil || current != latest {
		t.Fatalf("current=%d latest=%d err=%v", current, latest, err)
	}
}

// A DATABASE_URL may carry the request pool's settings (docs/production.md suggests
// pool_max_conns); migrating and the readiness probe's status read it as the pool does
// instead of sending them to PostgreSQL, which refuses unknown run-time parameters.
func TestApplyWithPoolSettings(t *testing.T) {
	u, err := url.Parse(pgtest.NewEmptyDB(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("pool_max_conns", "16")
	q.Set("pool_max_conn_lifetime", "1h")
	u.RawQuery = q.Encode()
	if err := migrations.Apply(t.Context(), u.String()); err != nil {
		t.Fatalf("Apply with pool settings: %v", err)
	}
	if current, latest, err := migrations.Status(t.Context(), u.String()); err != nil || current != latest {
		t.Fatalf("Status with pool settings: current=%d latest=%d err=%v", current, latest, err)
	}
}
