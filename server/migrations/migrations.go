// Package migrations holds the numbered goose SQL migrations of Vermerk's
// schema, embedded in the binary. Add a file NNNNN_what.sql with
// `-- +goose Up` and `-- +goose Down` sections; never edit an applied one.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed *.sql
var files embed.FS

// Apply migrates the database to the latest version. It is idempotent, and
// instances starting at once take turns on a session advisory lock, so
// connString must reach the database directly, not through a transaction
// pooler such as PgBouncer (the app passes VERMERK_LISTEN_DATABASE_URL).
func Apply(ctx context.Context, connString string) error {
	db, err := open(connString)
	if err != nil {
		return fmt.Errorf("migrations.Apply: %w", err)
	}
	defer db.Close()
	p, err := newProvider(db)
	if err != nil {
		return fmt.Errorf("migrations.Apply: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrations.Apply: %w", err)
	}
	return nil
}

// open opens connString for database/sql. It is read as the server's pool reads it, so the
// pool's settings a DATABASE_URL may carry (pool_max_conns and the other pool_ parameters,
// docs/production.md) are taken out rather than sent to PostgreSQL as run-time parameters,
// which it refuses.
func open(connString string) (*sql.DB, error) {
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		return nil, err
	}
	return stdlib.OpenDB(*cfg.ConnConfig), nil
}

// Status returns the version the database is at and the latest embedded
// version; the database is ready when they are equal. It takes no lock and
// creates nothing, so a readiness probe may call it during a migration.
func Status(ctx context.Context, connString string) (current, latest int64, err error) {
	db, err := open(connString)
	if err != nil {
		return 0, 0, fmt.Errorf("migrations.Status: %w", err)
	}
	defer db.Close()
	p, err := newProvider(db)
	if err != nil {
		return 0, 0, fmt.Errorf("migrations.Status: %w", err)
	}
	sources := p.ListSources()
	latest = sources[len(sources)-1].Version
	// GetVersions would create goose's version table on a fresh database.
	var exists bool
	if err := db.QueryRowContext(ctx, "SELECT to_regclass($1) IS NOT NULL", goose.DefaultTablename).Scan(&exists); err != nil {
		return 0, latest, fmt.Errorf("migrations.Status: %w", err)
	}
	if !exists {
		return 0, latest, nil
	}
	if current, err = p.GetDBVersion(ctx); err != nil {
		return 0, latest, fmt.Errorf("migrations.Status: %w", err)
	}
	return current, latest, nil
}

func newProvider(db *sql.DB) (*goose.Provider, error) {
	// Retry every second for up to 5 minutes while another instance migrates.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectPostgres, db, files,
		goose.WithSessionLocker(locker),
		goose.WithDisableGlobalRegistry(true),
		goose.WithGoMigrations(sortFold, heldNameAddressKeys, searchJoinedNames),
	)
}
