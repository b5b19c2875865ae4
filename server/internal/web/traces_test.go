package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// assertNone fails t for every line of text that person (a marker person's data) matches.
func assertNone(t *testing.T, person *regexp.Regexp, where, text string) {
	t.Helper()
	for l := range strings.SplitSeq(text, "\n") {
		if person.MatchString(l) {
			t.Errorf("%s holds her data: %s", where, l)
		}
	}
}

// hookRecorder is a webhook target that keeps every body it gets.
type hookRecorder struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []string
}

func newHookRecorder(t *testing.T) *hookRecorder {
	h := &hookRecorder{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.bodies = append(h.bodies, string(body))
		h.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(h.Close)
	return h
}

// delivered waits until no delivery of the database conn is pending and h got at least n
// bodies, and returns them.
func (h *hookRecorder) delivered(t *testing.T, conn *pgx.Conn, n int) string {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var pending int
		if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM webhook_deliveries WHERE status <> 'DELIVERED'`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		h.mu.Lock()
		got := len(h.bodies)
		all := strings.Join(h.bodies, "\n")
		h.mu.Unlock()
		if pending == 0 && got >= n {
			return all
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhook deliveries: %d pending, %d received after 30 s", pending, got)
		}
	}
}

// assertNoneInDatabase looks for person in every row of every table of the database conn.
func assertNoneInDatabase(t *testing.T, conn *pgx.Conn, person *regexp.Regexp) {
	t.Helper()
	rows, err := conn.Query(t.Context(), `SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(tables) < 10 {
		t.Fatalf("tables %v, %v", tables, err)
	}
	for _, table := range tables {
		rows, err := conn.Query(t.Context(), `SELECT t::text FROM `+pgx.Identifier{table}.Sanitize()+` t`)
		if err != nil {
			t.Fatal(err)
		}
		texts, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		assertNone(t, person, "table "+table, strings.Join(texts, "\n"))
	}
}

// assertNoneInLogAndMetrics looks for person in the log and the /metrics of the instance s.
func assertNoneInLogAndMetrics(t *testing.T, person *regexp.Regexp, name string, s *apptest.Server) {
	t.Helper()
	assertNone(t, person, "the log of "+name, s.Log.String())
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+apptest.AdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assertNone(t, person, "the metrics of "+name, string(metrics))
}
