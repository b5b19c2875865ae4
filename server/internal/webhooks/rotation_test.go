package webhooks_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
	"github.com/vermerk/vermerk/server/internal/testlog"
	"github.com/vermerk/vermerk/server/internal/webhooks"
)

// service is another instance's webhook service on e's database, with keys (current first).
func (e env) service(t *testing.T, keys ...screening.Key) env {
	t.Helper()
	svc, err := webhooks.New(e.db, keys...)
	if err != nil {
		t.Fatal(err)
	}
	svc.AllowPrivate = true
	return env{e.db, svc}
}

func (e env) secretKeyID(t *testing.T, w *model.Webhook) string {
	t.Helper()
	var id string
	if err := e.db.Pool.QueryRow(t.Context(), `SELECT secret_key_id FROM webhooks WHERE id = $1`, w.ID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// In a rolling rotation the instance still on the old key A runs for a while next to one that
// sealed the webhook's secret under the new key B. The old one cannot sign; it must leave the
// deliveries to the new one (no attempt counted, nothing given up), say why on the deliveries,
// and warn once.
func TestAnInstanceLackingTheKeyLeavesTheDeliveriesToOneWithIt(t *testing.T) {
	base := newEnv(t)
	a, b := testKey(), testKey()
	onA, onB := base.service(t, a), base.service(t, b, a)
	r := newReceiver(t, ok)
	hook := onB.create(t, r.URL, model.RevocationKindConsentRevoked)
	var log testlog.Buffer
	onA.worker(t, webhooks.WorkerOptions{MaxAttempts: 2, Log: log.Logger()})

	onA.emit(t, store.EventConsentRevoked, 3)
	eventually(t, "the old instance says on the deliveries why it does not send them", func() bool {
		ds := onA.deliveries(t, hook)
		for _, d := range ds {
			if d.LastError == nil || !strings.Contains(*d.LastError, b.ID) {
				return false
			}
		}
		return len(ds) == 3
	})
	time.Sleep(300 * time.Millisecond) // many of the old worker's rounds (20 ms), beyond MaxAttempts
	for _, d := range onA.deliveries(t, hook) {
		if d.Status != model.DeliveryStatusPending || d.Attempts != 0 {
			t.Errorf("delivery on the instance lacking the key: %s after %d attempts; want PENDING, no attempt", d.Status, d.Attempts)
		}
	}
	if got := r.ids(); len(got) != 0 {
		t.Errorf("the endpoint got %v from an instance that cannot sign", got)
	}
	if n := strings.Count(log.String(), "lacks the secret key"); n != 1 {
		t.Errorf("the old instance warned %d times of the missing key, want once:\n%s", n, log.String())
	}
	if !strings.Contains(log.String(), b.ID) || strings.Contains(log.String(), r.URL) {
		t.Errorf("the warning should name key %s and not the URL:\n%s", b.ID, log.String())
	}

	onB.worker(t, webhooks.WorkerOptions{})
	eventually(t, "the instance with the key delivers them", func() bool {
		ds := onB.deliveries(t, hook)
		for _, d := range ds {
			if d.Status != model.DeliveryStatusDelivered {
				return false
			}
		}
		return len(ds) == 3
	})
	for _, d := range onB.deliveries(t, hook) {
		if d.Attempts != 1 {
			t.Errorf("delivery %s took %d attempts, want 1", d.EventCursor, d.Attempts)
		}
		if d.LastError != nil { // the old instance's note no longer applies
			t.Errorf("delivery %s, delivered at its first attempt, still says %q", d.EventCursor, *d.LastError)
		}
	}
	if got := r.ids(); len(got) != 3 {
		t.Errorf("the endpoint got %v (signatures checked with the shared secret), want the 3 events", got)
	}
}

// A webhook created by an instance still on the old key, after the start with the new key
// resealed the others, is resealed by the new instance's worker: once the old instances have
// stopped, the old key is not needed for it.
func TestTheWorkerResealsASecretMadeUnderAnOldKey(t *testing.T) {
	base := newEnv(t)
	a, b := testKey(), testKey()
	onA, onB := base.service(t, a), base.service(t, b, a)
	var log testlog.Buffer
	onB.worker(t, webhooks.WorkerOptions{Log: log.Logger()})
	r := newReceiver(t, ok)
	hook := onA.create(t, r.URL, model.RevocationKindConsentRevoked)
	eventually(t, "the secret is sealed under the new key", func() bool { return onB.secretKeyID(t, hook) == b.ID })

	onB.emit(t, store.EventConsentRevoked, 1)
	eventually(t, "the endpoint gets the event, signed with the same shared secret", func() bool { return len(r.ids()) == 1 })
	if strings.Contains(log.String(), r.URL) {
		t.Errorf("the log names the URL:\n%s", log.String())
	}
}

// A secret sealed under a key that no instance has any more (dropped from
// VERMERK_OLD_SECRET_KEYS too early) leaves the webhook's deliveries PENDING. An admin who
// sets a new secret gets every one of them delivered, signed with it; bad input is refused
// with the field it concerns and changes nothing.
func TestANewSecretSendsTheDeliveriesThatWaitedForAGoneKey(t *testing.T) {
	base := newEnv(t)
	gone, current := testKey(), testKey()
	onGone, onCurrent := base.service(t, gone), base.service(t, current)
	r := newReceiver(t, ok)
	hook := onGone.create(t, r.URL, model.RevocationKindConsentRevoked)
	onCurrent.worker(t, webhooks.WorkerOptions{MaxAttempts: 2})
	onCurrent.emit(t, store.EventConsentRevoked, 3)
	eventually(t, "the deliveries say they wait for the gone key", func() bool {
		ds := onCurrent.deliveries(t, hook)
		for _, d := range ds {
			if d.Status != model.DeliveryStatusPending || d.LastError == nil || !strings.Contains(*d.LastError, gone.ID) {
				return false
			}
		}
		return len(ds) == 3
	})

	const next = "whsec-fedcba9876543210-next"
	for _, c := range []struct{ id, secret, code, field string }{
		{hook.ID, "short", "BAD_USER_INPUT", "secret"},
		{"not-an-id", next, "BAD_USER_INPUT", "id"},
		{"00000000-0000-0000-0000-000000000001", next, "NOT_FOUND", ""},
	} {
		_, err := onCurrent.svc.SetSecret(t.Context(), c.id, c.secret)
		e, ok := apperr.As(err)
		if !ok || string(e.Code) != c.code || e.Field != c.field {
			t.Errorf("SetSecret(%q, %q) = %v, want %s on field %q", c.id, c.secret, err, c.code, c.field)
		}
	}
	if id := onCurrent.secretKeyID(t, hook); id != gone.ID {
		t.Fatalf("refused input changed the secret's key to %s", id)
	}

	r.rotate(next)
	if _, err := onCurrent.svc.SetSecret(t.Context(), hook.ID, next); err != nil {
		t.Fatal(err)
	}
	if id := onCurrent.secretKeyID(t, hook); id != current.ID {
		t.Errorf("the new secret is sealed under %s, want the current key %s", id, current.ID)
	}
	eventually(t, "the waiting deliveries go out with the new secret", func() bool {
		ds := onCurrent.deliveries(t, hook)
		for _, d := range ds {
			if d.Status != model.DeliveryStatusDelivered {
				return false
			}
		}
		return len(ds) == 3
	})
	if got := r.ids(); len(got) != 3 {
		t.Errorf("the endpoint got %v (signatures checked with the new secret), want the 3 events", got)
	}
	for _, d := range onCurrent.deliveries(t, hook) {
		if d.Attempts != 1 || d.LastError != nil {
			t.Errorf("delivery %s: %d attempts, last error %v; want delivered at its first attempt, the note gone", d.EventCursor, d.Attempts, d.LastError)
		}
	}
}

// A worker stopped (a rolling deploy) while a batch is out records what the endpoint already
// took, so the next instance does not send it again; a request cut short counts no attempt
// and is left to its lease.
func TestAStoppedWorkerRecordsWhatTheEndpointTook(t *testing.T) {
	e := newEnv(t)
	answered, release := make(chan struct{}, 1), make(chan struct{})
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusOK)
			answered <- struct{}{}
			return
		}
		select { // the second one hangs until the worker gives up on it
		case <-req.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first
	hook := e.create(t, srv.URL, model.RevocationKindConsentRevoked)
	e.emit(t, store.EventConsentRevoked, 2)
	w := webhooks.NewWorker(e.svc, webhooks.WorkerOptions{Poll: 20 * time.Millisecond, PerWebhook: 2})
	w.Start(context.Background())
	select {
	case <-answered:
	case <-time.After(15 * time.Second):
		t.Fatal("no delivery reached the endpoint")
	}
	eventually(t, "the second request is out and the first recorded as delivered", func() bool {
		if calls.Load() < 2 {
			return false
		}
		for _, d := range e.deliveries(t, hook) {
			if d.Status == model.DeliveryStatusDelivered {
				return true
			}
		}
		return false
	})
	w.Stop(context.Background())

	var delivered, pending int
	for _, d := range e.deliveries(t, hook) {
		switch {
		case d.Status == model.DeliveryStatusDelivered && d.Attempts == 1:
			delivered++
		case d.Status == model.DeliveryStatusPending && d.Attempts == 0:
			pending++
		default:
			t.Errorf("delivery %s: %s after %d attempts", d.EventCursor, d.Status, d.Attempts)
		}
	}
	if delivered != 1 || pending != 1 {
		t.Errorf("after the stop: %d delivered, %d pending; want the one the endpoint took recorded, the other left to its lease", delivered, pending)
	}
}
