package webhooks_test

import (
	"context"
	"testing"
	"time"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/events"
	"github.com/vermerk/vermerk/server/internal/store"
	"github.com/vermerk/vermerk/server/internal/webhooks"
)

// The worker is woken through the instance's event bus (which LISTENs once for the
// instance), not by a LISTEN of its own: with both polling hourly, a revocation is delivered
// at once only because the bus passes the notification on.
func TestWorkerWakesThroughTheEventBus(t *testing.T) {
	e := newEnv(t)
	bus := events.New(e.db, events.Options{Poll: time.Hour})
	if err := bus.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bus.Stop(context.Background()) })
	r := newReceiver(t, ok)
	e.create(t, r.URL, model.RevocationKindConsentRevoked)
	e.worker(t, webhooks.WorkerOptions{Poll: time.Hour, Events: bus})
	time.Sleep(100 * time.Millisecond) // the worker's first round is over

	e.emit(t, store.EventConsentRevoked, 1)
	deadline := time.Now().Add(10 * time.Second)
	for len(r.ids()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the revocation was not delivered within 10 s: the worker was not woken")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := bus.Subscribers(); n != 0 {
		t.Errorf("Subscribers() = %d, want 0: the worker is no GraphQL subscription", n)
	}
	var listeners int
	if err := e.db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name LIKE 'vermerk %'`).Scan(&listeners); err != nil {
		t.Fatal(err)
	}
	if listeners != 1 {
		t.Errorf("%d listener connections, want the bus's one", listeners)
	}
}
