package metrics_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/apptest/gqlws"
	"github.com/vermerk/vermerk/server/internal/metrics"
	"github.com/vermerk/vermerk/server/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// scrape returns the /metrics text, failing unless it answers 200.
func scrape(t *testing.T, s *apptest.Server) string {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+apptest.AdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, b)
	}
	return string(b)
}

// TestMetricsEndpoint drives a server over GraphQL and WebSocket and reads back what an
// operator's Prometheus would see.
func TestMetricsEndpoint(t *testing.T) {
	s := apptest.Start(t)

	s.MustAdmin(t, &map[string]any{}, `mutation { blacklistAdd(candidate: {emails: ["max.mustermann@example.org"]}, reason: "asked to be erased") { id } }`, nil)
	for _, email := range []string{"erika.mustermann@example.org", "Max.Mustermann+news@example.org"} {
		s.MustAdmin(t, &map[string]any{}, `query($e: String!) { screen(candidate: {emails: [$e]}) { blocked } }`, map[string]any{"e": email})
	}
	res := s.Admin(t, `{ contact(id: "not-a-uuid") { id } }`, nil)
	if codes := res.ErrorCodes(); len(codes) != 1 || codes[0] != "BAD_USER_INPUT" {
		t.Fatalf("contact(id: not-a-uuid): codes %v, want [BAD_USER_INPUT]", codes)
	}
	s.MustAdmin(t, &map[string]any{}, `query Overview { purposes { key } lists { key } }`, nil)

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	ws, err := gqlws.Dial(ctx, s.WSURL(), apptest.AdminToken, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if err := ws.Subscribe(ctx, "1", `subscription { blacklistChanged { id } }`, nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.App.Events.Subscribers() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}

	text := scrape(t, s)
	for _, want := range []string{
		"vermerk_screenings_total 2\n",
		`vermerk_screening_matches_total{field="EMAIL"} 1` + "\n",
		`vermerk_screening_matches_total{field="PHONE"} 0` + "\n",
		`vermerk_ratelimit_refusals_total{operation="screen"} 0` + "\n",
		`vermerk_graphql_request_duration_seconds_count{operation="screen",type="query"} 2` + "\n",
		`vermerk_graphql_request_duration_seconds_count{operation="blacklistAdd",type="mutation"} 1` + "\n",
		`vermerk_graphql_request_duration_seconds_count{operation="lists+purposes",type="query"} 1` + "\n",
		`vermerk_graphql_errors_total{code="BAD_USER_INPUT",operation="contact",type="query"} 1` + "\n",
		"vermerk_subscriptions_active 1\n",
		"vermerk_event_lag_seconds ",
		`vermerk_import_rows_total{outcome="held"} 0` + "\n",
		"vermerk_db_pool_max_conns ",
		"vermerk_db_pool_acquires_total ",
		"go_goroutines ",
		"process_resident_memory_bytes ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", strings.TrimSpace(want))
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", grepVermerk(text))
	}
}

func TestMetricsNeedAToken(t *testing.T) {
	s := apptest.Start(t)
	for _, auth := range []string{"", "Bearer not-a-token-of-this-server"} {
		req, _ := http.NewRequest("GET", s.URL+"/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || strings.Contains(string(b), "vermerk_") {
			t.Errorf("GET /metrics with %q: %d %.80s, want 401 without metrics", auth, resp.StatusCode, b)
		}
	}
}

// TestEventLag: an event this instance has not handed out yet shows as lag; once the bus has
// caught up the lag is 0.
func TestEventLag(t *testing.T) {
	reg := prometheus.NewRegistry()
	bus := &fakeBus{last: 0}
	s := apptest.Start(t)
	metrics.WatchEvents(reg, bus, s.App.DB.Pool)
	var id int64
	err := s.App.DB.Pool.QueryRow(t.Context(),
		`INSERT INTO events (kind, at) VALUES ('BLACKLIST_CHANGED', now() - interval '3 seconds') RETURNING id`).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	if lag := gauge(t, reg, "vermerk_event_lag_seconds"); lag < 3 || lag > 60 {
		t.Errorf("lag with one event pending = %v s, want about 3", lag)
	}
	bus.last = id
	if lag := gauge(t, reg, "vermerk_event_lag_seconds"); lag != 0 {
		t.Errorf("lag when caught up = %v, want 0", lag)
	}
	bus.subs = 3
	if n := gauge(t, reg, "vermerk_subscriptions_active"); n != 3 {
		t.Errorf("subscriptions_active = %v, want 3", n)
	}
}

type fakeBus struct {
	last int64
	subs int
}

func (b *fakeBus) Last() int64      { return b.last }
func (b *fakeBus) Subscribers() int { return b.subs }

func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("%s not gathered", name)
	return 0
}

// TestOneInstancePerRegistry: packages that ask for a metric get the one already registered,
// so counts from several places add up instead of panicking on a duplicate.
func TestOneInstancePerRegistry(t *testing.T) {
	reg := metrics.NewRegistry()
	metrics.ImportRows(reg).WithLabelValues(metrics.ImportInserted).Add(5)
	metrics.ImportRows(reg).WithLabelValues(metrics.ImportInserted).Add(2)
	if got := testutil.ToFloat64(metrics.ImportRows(reg).WithLabelValues(metrics.ImportInserted)); got != 7 {
		t.Errorf("import rows inserted = %v, want 7", got)
	}
	metrics.Screenings(reg).Inc()
	if got := testutil.ToFloat64(metrics.Screenings(reg)); got != 1 {
		t.Errorf("screenings = %v, want 1", got)
	}
	if got := testutil.ToFloat64(metrics.Screenings(nil)); got != 0 {
		t.Errorf("an unregistered counter shares state: %v", got)
	}
}

func grepVermerk(text string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "vermerk_") && !strings.Contains(l, "_bucket") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
