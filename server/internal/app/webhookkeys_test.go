package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/app"
	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/config"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
	"github.com/vermerk/vermerk/server/internal/testlog"
	"github.com/vermerk/vermerk/server/internal/webhooks"
)

const hookSecret = "whsec-rotation-0123456789"

// hookReceiver is an endpoint that accepts only deliveries signed with hookSecret.
type hookReceiver struct {
	*httptest.Server
	mu       sync.Mutex
	received int
}

func newHookReceiver(t *testing.T) *hookReceiver {
	r := &hookReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if webhooks.Sign([]byte(hookSecret), req.Header.Get("X-Vermerk-Timestamp"), body) != req.Header.Get("X-Vermerk-Signature") {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		r.mu.Lock()
		r.received++
		r.mu.Unlock()
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *hookReceiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.received
}

// webhookOnKeyA starts an instance (key A), registers a webhook for CONSENT_REVOKED at url
// through GraphQL and stops the instance; it returns the webhook id and the configuration.
func webhookOnKeyA(t *testing.T, url string) (string, config.Config) {
	t.Helper()
	s := apptest.Start(t)
	var created struct{ CreateWebhook struct{ ID string } }
	s.MustAdmin(t, &created, `mutation($url: String!, $secret: String!) {
		createWebhook(input: {url: $url, kinds: [CONSENT_REVOKED], secret: $secret}) { id } }`,
		map[string]any{"url": url, "secret": hookSecret})
	s.App.Close(context.Background())
	return created.CreateWebhook.ID, s.Config
}

// start opens an instance with cfg and a fresh data directory, stopped when the test ends.
func start(t *testing.T, cfg config.Config, log *slog.Logger) *app.App {
	t.Helper()
	cfg.DataDir = t.TempDir()
	a, err := app.Open(context.Background(), cfg, log)
	if err != nil {
		t.Fatalf("app.Open: %v", err)
	}
	t.Cleanup(func() { a.Close(context.Background()) })
	return a
}

func keyID(t *testing.T, base64Key string) string {
	t.Helper()
	k, err := screening.ParseKey(base64Key)
	if err != nil {
		t.Fatal(err)
	}
	return k.ID
}

func secretKeyID(t *testing.T, a *app.App, webhookID string) string {
	t.Helper()
	var id string
	if err := a.DB.Pool.QueryRow(t.Context(), `SELECT secret_key_id FROM webhooks WHERE id = $1`, webhookID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// revoke writes a CONSENT_REVOKED to the outbox, as the consent service does.
func revoke(t *testing.T, a *app.App) {
	t.Helper()
	err := a.DB.Transact(t.Context(), func(tx pgx.Tx) error {
		_, err := store.Emit(t.Context(), tx, store.Event{Kind: store.EventConsentRevoked, ContactID: uuid.NewString(), Channel: "staff"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

// The rotation docs/production.md describes: a start with the new key B (A in
// VERMERK_OLD_SECRET_KEYS) seals the webhook secrets under B, so that after it the old key can
// be dropped without breaking the webhooks: a start with B alone still signs with the shared
// secret.
func TestARotationResealsWebhookSecretsSoTheOldKeyCanGo(t *testing.T) {
	r := newHookReceiver(t)
	hook, cfg := webhookOnKeyA(t, r.URL)
	keyA, keyB := cfg.SecretKey, apptest.NewSecretKey()

	cfg.SecretKey, cfg.OldSecretKeys = keyB, []string{keyA}
	var log testlog.Buffer
	rotated := start(t, cfg, log.Logger())
	if got, want := secretKeyID(t, rotated, hook), keyID(t, keyB); got != want {
		t.Fatalf("after the start with the new key the secret is sealed under key %s, want %s", got, want)
	}
	if !strings.Contains(log.String(), "resealed") || strings.Contains(log.String(), r.URL) {
		t.Errorf("the start should log the resealing, without the URL:\n%s", log.String())
	}
	revoke(t, rotated)
	waitFor(t, "the endpoint gets the revocation, signed with the shared secret", func() bool { return r.count() == 1 })
	// Closed before the worker has recorded the answer, the instance would leave the delivery
	// to its lease, and the next instance would send it again (at least once): wait for it.
	waitFor(t, "the delivery is recorded as delivered", func() bool {
		var n int
		if err := rotated.DB.Pool.QueryRow(t.Context(), `SELECT count(*) FROM webhook_deliveries
			WHERE webhook_id = $1 AND status = 'DELIVERED'`, hook).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	})
	rotated.Close(context.Background())

	cfg.OldSecretKeys = nil
	dropped := start(t, cfg, slog.New(slog.DiscardHandler))
	revoke(t, dropped)
	waitFor(t, "the endpoint gets the revocation from the instance without the old key", func() bool { return r.count() == 2 })
	var attempts, undelivered int
	// The endpoint has the request before the worker records its answer: wait for the record.
	waitFor(t, "both deliveries are recorded as delivered", func() bool {
		if err := dropped.DB.Pool.QueryRow(t.Context(), `SELECT coalesce(sum(attempts), 0), count(*) FILTER (WHERE status <> 'DELIVERED')
			FROM webhook_deliveries WHERE webhook_id = $1`, hook).Scan(&attempts, &undelivered); err != nil {
			t.Fatal(err)
		}
		return undelivered == 0
	})
	if attempts != 2 || undelivered != 0 {
		t.Errorf("%d attempts for 2 deliveries, %d not delivered; want each delivered at the first attempt", attempts, undelivered)
	}
}

// A webhook secret sealed under a key the server does not have (here one declared lost) does
// not stop the start; the start warns, naming the key and the count but not the URL, which may
// hold credentials.
func TestAStartWarnsOfWebhookSecretsUnderAMissingKey(t *testing.T) {
	r := newHookReceiver(t)
	withCredentials := strings.Replace(r.URL, "http://", "http://hook:pa55word@", 1)
	hook, cfg := webhookOnKeyA(t, withCredentials)
	lost := keyID(t, cfg.SecretKey)

	cfg.SecretKey, cfg.LostKeyIDs = apptest.NewSecretKey(), []string{lost}
	var log testlog.Buffer
	a := start(t, cfg, log.Logger())
	out := log.String()
	for _, want := range []string{"level=WARN", lost + " (webhooks: 1)", "VERMERK_OLD_SECRET_KEYS", "setWebhookSecret"} {
		if !strings.Contains(out, want) {
			t.Errorf("the start's log should say %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "pa55word") || strings.Contains(out, strings.TrimPrefix(r.URL, "http://")) {
		t.Errorf("the start's log names the webhook's URL:\n%s", out)
	}

	revoke(t, a)
	waitFor(t, "the delivery says why it is not sent", func() bool {
		var lastError *string
		err := a.DB.Pool.QueryRow(t.Context(), `SELECT last_error FROM webhook_deliveries WHERE webhook_id = $1`, hook).Scan(&lastError)
		return err == nil && lastError != nil && strings.Contains(*lastError, lost)
	})
}
