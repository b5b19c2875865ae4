package webhooks_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
	"github.com/vermerk/vermerk/server/internal/webhooks"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const secret = "whsec-0123456789abcdef"

// receiver is an endpoint that records what it gets and answers with status(n) for call n.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	bodies [][]byte
	status func(n int) int
	delay  time.Duration
	secret string // the shared secret signatures are checked with; the const secret unless set
}

// rotate makes the endpoint check signatures with secret from now on, as a receiver whose
// secret was replaced does.
func (r *receiver) rotate(secret string) {
	r.mu.Lock()
	r.secret = secret
	r.mu.Unlock()
}

func newReceiver(t *testing.T, status func(n int) int) *receiver {
	r := &receiver{status: status, secret: secret}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		key := r.secret
		r.mu.Unlock()
		if webhooks.Sign([]byte(key), req.Header.Get("X-Vermerk-Timestamp"), body) != req.Header.Get("X-Vermerk-Signature") {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		r.mu.Lock()
		r.bodies = append(r.bodies, body)
		n := len(r.bodies)
		r.mu.Unlock()
		if r.delay > 0 {
			select {
			case <-time.After(r.delay):
			case <-req.Context().Done():
			}
		}
		w.WriteHeader(r.status(n))
	}))
	t.Cleanup(r.Server.Close)
	return r
}

func (r *receiver) ids() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, b := range r.bodies {
		var p struct{ ID string }
		_ = json.Unmarshal(b, &p)
		out = append(out, p.ID)
	}
	return out
}

func ok(int) int { return http.StatusOK }

// env is a database with the webhook service, without a running server.
type env struct {
	db  *store.DB
	svc *webhooks.Service
}

func newEnv(t *testing.T) env {
	t.Helper()
	db, err := store.Open(t.Context(), pgtest.NewDB(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	svc, err := webhooks.New(db, testKey())
	if err != nil {
		t.Fatal(err)
	}
	svc.AllowPrivate = true // the test receivers listen on 127.0.0.1
	return env{db, svc}
}

func testKey() screening.Key {
	var b [32]byte
	_, _ = rand.Read(b[:])
	k, _ := screening.NewKey(b[:])
	return screening.Key{ID: k.ID, Secret: screening.DeriveKey(k, "webhook-secret")}
}

func (e env) worker(t *testing.T, opts webhooks.WorkerOptions) {
	if opts.Poll == 0 {
		opts.Poll = 20 * time.Millisecond
	}
	if opts.BaseBackoff == 0 {
		opts.BaseBackoff = 20 * time.Millisecond
	}
	w := webhooks.NewWorker(e.svc, opts)
	w.Start(context.Background())
	t.Cleanup(func() { w.Stop(context.Background()) })
}

func (e env) create(t *testing.T, url string, kinds ...model.RevocationKind) *model.Webhook {
	t.Helper()
	w, err := e.svc.Create(t.Context(), model.WebhookInput{URL: url, Kinds: kinds, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// emit writes n outbox events of kind, as the consent and erasure services do.
func (e env) emit(t *testing.T, kind store.EventKind, n int) {
	t.Helper()
	err := e.db.Transact(t.Context(), func(tx pgx.Tx) error {
		for range n {
			if _, err := store.Emit(t.Context(), tx, store.Event{Kind: kind, ContactID: uuid.NewString(), Channel: "staff"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (e env) deliveries(t *testing.T, w *model.Webhook) []*model.WebhookDelivery {
	t.Helper()
	d, err := e.svc.Deliveries(t.Context(), &w.ID, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// eventually polls cond for up to 15 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestFailingAndSlowEndpointsDoNotHoldUpAHealthyOne(t *testing.T) {
	e := newEnv(t)
	failing := newReceiver(t, func(int) int { return http.StatusServiceUnavailable })
	slow := newReceiver(t, ok)
	slow.delay = 5 * time.Second // beyond the worker's timeout
	healthy := newReceiver(t, ok)
	wf := e.create(t, failing.URL, model.RevocationKindConsentRevoked)
	ws := e.create(t, slow.URL, model.RevocationKindConsentRevoked)
	wh := e.create(t, healthy.URL, model.RevocationKindConsentRevoked)
	e.worker(t, webhooks.WorkerOptions{MaxAttempts: 3, Timeout: 300 * time.Millisecond})

	e.emit(t, store.EventConsentRevoked, 20)
	start := time.Now()
	eventually(t, "the healthy endpoint has all 20 events", func() bool { return len(healthy.ids()) >= 20 })
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("healthy endpoint took %v for 20 events next to failing ones", d)
	}
	eventually(t, "the healthy endpoint's deliveries are recorded", func() bool {
		ds := e.deliveries(t, wh)
		for _, d := range ds {
			if d.Status != model.DeliveryStatusDelivered {
				return false
			}
		}
		return len(ds) == 20
	})
	for _, d := range e.deliveries(t, wh) {
		if d.Attempts != 1 || d.LastError != nil {
			t.Errorf("healthy delivery %+v; want delivered at the first attempt", d)
		}
	}

	eventually(t, "the failing endpoint's deliveries are given up", func() bool {
		ds := e.deliveries(t, wf)
		for _, d := range ds {
			if d.Status != model.DeliveryStatusFailed {
				return false
			}
		}
		return len(ds) == 20
	})
	d := e.deliveries(t, wf)[0]
	if d.Attempts != 3 || d.LastError == nil || !strings.Contains(*d.LastError, "503") || d.NextAttemptAt != nil || d.DeliveredAt != nil {
		t.Errorf("failed delivery %+v (lastError %v); want 3 attempts, the 503 kept, no next attempt", d, d.LastError)
	}
	if n := len(failing.ids()); n != 60 {
		t.Errorf("failing endpoint got %d calls, want 20 events × 3 attempts", n)
	}
	eventually(t, "the slow endpoint's first deliveries time out", func() bool {
		for _, d := range e.deliveries(t, ws) {
			// lastError does not tell a timeout from a refused connection (port scanning)
			if d.LastError != nil && strings.Contains(*d.LastError, "did not answer in time") {
				return true
			}
		}
		return false
	})
}

// What the metrics read: deliveries not sent yet and how long the oldest has waited (here
// the ones an instance lacking the key leaves), and each delivery given up.
func TestTheBacklogAndGivenUpDeliveriesAreCounted(t *testing.T) {
	e := newEnv(t)
	if n, age, err := e.svc.Backlog(t.Context()); err != nil || n != 0 || age != 0 {
		t.Fatalf("Backlog without deliveries = %d, %v, %v; want 0, 0", n, age, err)
	}
	failing := newReceiver(t, func(int) int { return http.StatusInternalServerError })
	e.create(t, failing.URL, model.RevocationKindConsentRevoked)
	waiting := newReceiver(t, ok)
	e.service(t, testKey()).create(t, waiting.URL, model.RevocationKindConsentRevoked) // a key the worker lacks
	var gaveUp atomic.Int32
	e.worker(t, webhooks.WorkerOptions{MaxAttempts: 1, GaveUp: func() { gaveUp.Add(1) }})

	e.emit(t, store.EventConsentRevoked, 5)
	eventually(t, "the failing endpoint's 5 deliveries are given up", func() bool { return gaveUp.Load() == 5 })
	time.Sleep(50 * time.Millisecond)
	n, age, err := e.svc.Backlog(t.Context())
	if err != nil || n != 5 || age < 50*time.Millisecond || age > time.Minute {
		t.Errorf("Backlog = %d, %v, %v; want the 5 deliveries waiting for their key, the oldest for 50 ms to a minute", n, age, err)
	}
	if got := gaveUp.Load(); got != 5 || len(waiting.ids()) != 0 {
		t.Errorf("given up %d, sent %d of the waiting ones; want 5 given up, none sent", got, len(waiting.ids()))
	}
}

func TestOnlyEventsAfterCreationAndOnlyWantedKindsAreDelivered(t *testing.T) {
	e := newEnv(t)
	e.emit(t, store.EventConsentRevoked, 3) // before the webhook exists
	r := newReceiver(t, ok)
	w := e.create(t, r.URL, model.RevocationKindContactErased)
	e.worker(t, webhooks.WorkerOptions{})
	e.emit(t, store.EventConsentRevoked, 2)
	e.emit(t, store.EventBlacklistChanged, 1)
	e.emit(t, store.EventContactErased, 1)
	eventually(t, "the erasure is delivered", func() bool { return len(r.ids()) == 1 })
	time.Sleep(200 * time.Millisecond)
	if n := len(e.deliveries(t, w)); n != 1 {
		t.Fatalf("%d deliveries; want only the erasure after creation", n)
	}
	var p map[string]any
	r.mu.Lock()
	_ = json.Unmarshal(r.bodies[0], &p)
	r.mu.Unlock()
	if p["kind"] != "CONTACT_ERASED" || p["purposeKey"] != nil || p["channel"] != "staff" {
		t.Errorf("payload %v", p)
	}
	if _, err := time.Parse(time.RFC3339Nano, p["at"].(string)); err != nil {
		t.Errorf("at %v is not RFC 3339", p["at"])
	}
}

func TestTwoInstancesDeliverEachEventOnce(t *testing.T) {
	e := newEnv(t)
	r := newReceiver(t, ok)
	e.create(t, r.URL, model.RevocationKindConsentRevoked, model.RevocationKindContactErased)
	e.worker(t, webhooks.WorkerOptions{})
	e.worker(t, webhooks.WorkerOptions{})
	for range 10 {
		e.emit(t, store.EventConsentRevoked, 5)
	}
	eventually(t, "50 events arrived", func() bool { return len(r.ids()) >= 50 })
	time.Sleep(300 * time.Millisecond)
	seen := map[string]int{}
	for _, id := range r.ids() {
		seen[id]++
	}
	if len(seen) != 50 || len(r.ids()) != 50 {
		t.Errorf("%d calls for %d distinct events; want each of 50 exactly once", len(r.ids()), len(seen))
	}
}

func TestSecretIsEncryptedAtRest(t *testing.T) {
	e := newEnv(t)
	e.create(t, "https://mailer.example.org/hooks", model.RevocationKindConsentRevoked)
	var stored []byte
	if err := e.db.Pool.QueryRow(t.Context(), `SELECT secret_enc FROM webhooks`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(stored, []byte(secret)) || bytes.Contains(stored, []byte("0123456789abcdef")) {
		t.Fatal("the webhook secret is stored in clear text")
	}
}

func TestWebhooksOverGraphQL(t *testing.T) {
	s := apptest.Start(t)
	create := `mutation($in: WebhookInput!) { createWebhook(input: $in) { id url kinds createdAt } }`
	bad := []struct {
		name   string
		in     map[string]any
		field  string
		reason string
	}{
		{"no scheme", map[string]any{"url": "mailer.example.org/hook", "kinds": []string{"CONSENT_REVOKED"}, "secret": secret}, "input.url", "BAD_URL"},
		{"ftp", map[string]any{"url": "ftp://mailer.example.org/hook", "kinds": []string{"CONSENT_REVOKED"}, "secret": secret}, "input.url", "BAD_URL"},
		{"no host", map[string]any{"url": "https:///hook", "kinds": []string{"CONSENT_REVOKED"}, "secret": secret}, "input.url", "BAD_URL"},
		{"short secret", map[string]any{"url": "https://mailer.example.org/hook", "kinds": []string{"CONSENT_REVOKED"}, "secret": "short"}, "input.secret", "SECRET_TOO_SHORT"},
		{"no kinds", map[string]any{"url": "https://mailer.example.org/hook", "kinds": []string{}, "secret": secret}, "input.kinds", "REQUIRED"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			res := s.Admin(t, create, map[string]any{"in": tc.in})
			if len(res.Errors) != 1 || res.Errors[0].Code() != "BAD_USER_INPUT" || res.Errors[0].Field() != tc.field ||
				res.Errors[0].Extensions["reason"] != tc.reason {
				t.Fatalf("errors %+v; want BAD_USER_INPUT %s at %s", res.Errors, tc.reason, tc.field)
			}
		})
	}
	var out struct {
		CreateWebhook struct {
			ID, URL string
			Kinds   []string
		}
	}
	s.MustAdmin(t, &out, create, map[string]any{"in": map[string]any{"url": "https://mailer.example.org/hook",
		"kinds": []string{"CONSENT_REVOKED", "CONTACT_ERASED", "CONSENT_REVOKED"}, "secret": secret}})
	if got := out.CreateWebhook; got.URL != "https://mailer.example.org/hook" || len(got.Kinds) != 2 {
		t.Errorf("created %+v", got)
	}
	var list struct{ Webhooks []struct{ ID string } }
	s.MustAdmin(t, &list, `{ webhooks { id } }`, nil)
	if len(list.Webhooks) != 1 || list.Webhooks[0].ID != out.CreateWebhook.ID {
		t.Fatalf("webhooks %+v", list.Webhooks)
	}
	var staff struct{ CreateApiToken struct{ Secret string } }
	s.MustAdmin(t, &staff, `mutation { createApiToken(name: "front desk", role: STAFF) { secret } }`, nil)
	if res := s.Do(t, staff.CreateApiToken.Secret, `{ webhooks { id url } }`, nil); len(res.Errors) == 0 || res.Errors[0].Code() != "FORBIDDEN" {
		t.Errorf("staff listing webhooks: %+v; want FORBIDDEN", res.Errors)
	}
	del := `mutation($id: ID!) { deleteWebhook(id: $id) { id } }`
	s.MustAdmin(t, &struct{}{}, del, map[string]any{"id": out.CreateWebhook.ID})
	if res := s.Admin(t, del, map[string]any{"id": out.CreateWebhook.ID}); len(res.Errors) != 1 || res.Errors[0].Code() != "NOT_FOUND" {
		t.Errorf("second delete: %+v; want NOT_FOUND", res.Errors)
	}
	s.MustAdmin(t, &list, `{ webhooks { id } }`, nil)
	if len(list.Webhooks) != 0 {
		t.Errorf("webhooks after delete: %+v", list.Webhooks)
	}
	var audit struct {
		AuditTrail struct {
			Edges []struct{ Node struct{ Operation string } }
		}
	}
	s.MustAdmin(t, &audit, `{ auditTrail(first: 50) { edges { node { operation } } } }`, nil)
	ops := map[string]bool{}
	for _, e := range audit.AuditTrail.Edges {
		ops[e.Node.Operation] = true
	}
	if !ops["createWebhook"] || !ops["deleteWebhook"] {
		t.Errorf("audit trail lacks createWebhook/deleteWebhook: %v", ops)
	}
}
