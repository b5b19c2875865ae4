package webhooks_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/store"
	"github.com/vermerk/vermerk/server/internal/webhooks"
)

// Deliveries retrying after a 5xx on two instances, their endpoint's secret replaced between
// two attempts (setWebhookSecret, the endpoint now checking the new one): every later attempt,
// whichever instance sends it, carries the new signature; each event is taken once.
func TestRetriesAfterA5xxOnTwoInstancesAreSignedWithTheNewSecret(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	failing := true
	r := newReceiver(t, func(int) int {
		mu.Lock()
		defer mu.Unlock()
		if failing {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	hook := e.create(t, r.URL, model.RevocationKindConsentRevoked)
	for range 2 { // two instances
		e.worker(t, webhooks.WorkerOptions{BaseBackoff: 300 * time.Millisecond, MaxAttempts: 20})
	}
	e.emit(t, store.EventConsentRevoked, 3)
	eventually(t, "each event was refused once with a 503", func() bool { return len(r.ids()) >= 3 })

	const next = "whsec-after-rotation-0123456789"
	r.rotate(next)
	if _, err := e.svc.SetSecret(t.Context(), hook.ID, next); err != nil {
		t.Fatal(err)
	}
	before := len(r.ids()) // taken with the old secret (an attempt in flight at the switch may still carry it and be refused)
	mu.Lock()
	failing = false
	mu.Unlock()
	eventually(t, "the three deliveries are delivered", func() bool {
		ds := e.deliveries(t, hook)
		for _, d := range ds {
			if d.Status != model.DeliveryStatusDelivered {
				return false
			}
		}
		return len(ds) == 3
	})
	after := r.ids()[before:] // signatures checked with the new secret only
	seen := map[string]int{}
	for _, id := range after {
		seen[id]++
	}
	if len(seen) != 3 {
		t.Errorf("after the new secret the endpoint verified %v; want each of the 3 events, signed with the new secret", after)
	}
	for _, d := range e.deliveries(t, hook) {
		if d.Attempts < 2 {
			t.Errorf("delivery %s: %d attempts; want the 503 and the retry counted", d.EventCursor, d.Attempts)
		}
	}
}
