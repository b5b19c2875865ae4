package pgtest

import (
	"context"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/embeddedpg"
	"github.com/vermerk/vermerk/server/migrations"
)

// DurableDB starts a cluster of the test's own with the durable settings a real installation
// runs with (fsync on; the shared test cluster of NewDB runs without), for tests that measure
// time, migrates its database postgres and returns its connection string. The cluster and its
// directory are removed when the test ends.
func DurableDB(t testing.TB) string {
	t.Helper()
	ctx := t.Context()
	cluster, err := embeddedpg.StartThrowaway(ctx, "vermerk-durable-", embeddedpg.Options{})
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := cluster.Remove(ctx); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	url := cluster.ConnString("postgres")
	if err := migrations.Apply(ctx, url); err != nil {
		t.Fatalf("pgtest: migrate the durable database: %v", err)
	}
	return url
}
