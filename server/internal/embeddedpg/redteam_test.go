package embeddedpg_test

// Red-team test of issue 15 (hardening), item 5: run against the code before the fix, it failed.

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/embeddedpg"
)

// A database superuser reads the postgres process's environment; Vermerk's secrets must not
// be in it.
func TestRedTeamSecretsStayOutOfTheDatabaseEnvironment(t *testing.T) {
	t.Setenv("VERMERK_SECRET_KEY", "c2VjcmV0LWtleS1zZW50aW5lbC0wMTIzNDU2Nzg5YWI=")
	t.Setenv("VERMERK_ADMIN_TOKEN", "admin-token-sentinel-0123456789")
	t.Setenv("DATABASE_URL", "postgres://u:database-url-sentinel@example.invalid/db")
	t.Setenv("LANG_SENTINEL_KEPT", "kept")
	c := startCluster(t, embeddedpg.Options{DataDir: reachableTempDir(t), Fast: true})
	conn, err := pgx.Connect(t.Context(), c.ConnString("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	// what the backend's children (COPY FROM PROGRAM, untrusted languages) see
	var env string
	if _, err := conn.Exec(t.Context(), `CREATE TEMP TABLE environ (line text); COPY environ FROM PROGRAM 'env'`); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(t.Context(), `SELECT string_agg(line, E'\n') FROM environ`).Scan(&env); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"VERMERK_SECRET_KEY", "VERMERK_ADMIN_TOKEN", "DATABASE_URL", "sentinel-0123"} {
		if strings.Contains(env, secret) {
			t.Errorf("the database process's environment holds %s", secret)
		}
	}
	if !strings.Contains(env, "LANG_SENTINEL_KEPT=kept") {
		t.Errorf("other variables should be passed on; environment:\n%s", env)
	}
}
