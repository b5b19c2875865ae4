// Package pgtest gives tests real, isolated PostgreSQL databases.
//
// Each test binary (one per package) starts one throwaway embedded cluster
// on first use, migrates a template database once, and clones it for every
// NewDB call. Use Main in TestMain so the cluster stops and its directory is
// removed when the tests end:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
package pgtest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/embeddedpg"
	"github.com/vermerk/vermerk/server/migrations"
)

// Template is the migrated database that NewDB clones.
const Template = "vermerk_template"

var (
	once      sync.Once
	throwaway *embeddedpg.Throwaway // removed by Main
	cluster   *embeddedpg.Cluster   // throwaway's
	initErr   error
	seq       atomic.Int64
	// strategy makes PostgreSQL 15+ copy the template's files, several
	// times faster than the default WAL_LOG for a small database.
	strategy string
)

func setup() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	initErr = func() error {
		var err error
		// Fast: a crash loses nothing a test needs
		if throwaway, err = embeddedpg.StartThrowaway(ctx, "vermerk-pgtest-", embeddedpg.Options{
			Fast:   true,
			Logger: slog.New(slog.DiscardHandler),
		}); err != nil {
			return err
		}
		cluster = throwaway.Cluster
		var version int
		if err := queryInt(ctx, "SELECT current_setting('server_version_num')::int", &version); err != nil {
			return err
		}
		if version >= 150000 {
			strategy = " STRATEGY FILE_COPY"
		}
		if err := exec(ctx, "CREATE DATABASE "+Template); err != nil {
			return err
		}
		if err := migrations.Apply(ctx, cluster.ConnString(Template)); err != nil {
			return err
		}
		return exec(ctx, "ALTER DATABASE "+Template+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false")
	}()
	if initErr != nil {
		initErr = fmt.Errorf("pgtest: start the test database: %w", initErr)
	}
}

func started(t testing.TB) *embeddedpg.Cluster {
	t.Helper()
	once.Do(setup)
	if initErr != nil {
		t.Fatal(initErr)
	}
	return cluster
}

// exec runs one statement in the maintenance database.
func exec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, cluster.ConnString("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

func queryInt(ctx context.Context, sql string, dst *int) error {
	conn, err := pgx.Connect(ctx, cluster.ConnString("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	return conn.QueryRow(ctx, sql).Scan(dst)
}

// NewDB returns the connection string of a fresh database with all
// migrations applied, dropped when the test ends.
func NewDB(t testing.TB) string {
	return newDB(t, Template)
}

// NewEmptyDB returns the connection string of a fresh database without
// migrations, for tests of the migrations themselves.
func NewEmptyDB(t testing.TB) string {
	return newDB(t, "template0")
}

func newDB(t testing.TB, template string) string {
	t.Helper()
	c := started(t)
	name := fmt.Sprintf("test_%d", seq.Add(1))
	if err := exec(t.Context(), "CREATE DATABASE "+name+" TEMPLATE "+template+strategy); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := c.Start(ctx); err != nil { // a no-op unless the test left the server stopped
			t.Errorf("pgtest: restart the test database: %v", err)
			return
		}
		if err := exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database: %v", err)
		}
	})
	return c.ConnString(name)
}

// Cluster returns the package's shared test cluster, for tests that stop and
// start the server. Such tests must not run in parallel with others of the
// package; the server is started again when the test ends.
func Cluster(t testing.TB) *embeddedpg.Cluster {
	t.Helper()
	c := started(t)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := c.Start(ctx); err != nil {
			t.Errorf("pgtest: restart the test database: %v", err)
		}
	})
	return c
}

// Main runs the tests, then stops the cluster and removes it and its directory.
func Main(m *testing.M) {
	code := m.Run()
	if throwaway != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := throwaway.Remove(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest:", err)
		}
		cancel()
	}
	os.Exit(code)
}
