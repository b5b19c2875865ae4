// Package apptest starts a whole Vermerk (app.Open on a fresh test database) behind a real
// HTTP server, and talks GraphQL to it the way clients do.
package apptest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/app"
	"github.com/vermerk/vermerk/server/internal/config"
	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/testlog"
	"github.com/vermerk/vermerk/server/internal/web"
)

// AdminToken is the bootstrap admin token of every test server.
const AdminToken = "test-admin-token-0123456789"

// Server is a running Vermerk for one test.
type Server struct {
	URL    string // base URL, without a trailing slash
	DBURL  string
	App    *app.App
	Config config.Config
	HTTP   *httptest.Server
	// Log is everything the server logged, at every level (debug included), for tests that
	// check what a log holds (empty in benchmarks); lines at WARN and above go to stderr too
	// (all with VERMERK_TEST_LOG).
	Log *testlog.Buffer
}

// Option changes the configuration before the server starts.
type Option func(*config.Config)

// Start runs Vermerk on a fresh database; it stops when the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	return StartOn(t, pgtest.NewDB(t), opts...)
}

// keys holds the secret key of each test database (its URL → the key in base64): instances on
// one database share it, as production requires (a start refuses identifiers hashed under a
// key it lacks). An Option may set another.
var keys sync.Map

// NewSecretKey is a random VERMERK_SECRET_KEY.
func NewSecretKey() string {
	var key [32]byte
	_, _ = rand.Read(key[:])
	return base64.StdEncoding.EncodeToString(key[:])
}

// StartOn runs Vermerk on the given database (for two instances sharing one database), with
// the secret key of the database's first instance.
func StartOn(t testing.TB, dbURL string, opts ...Option) *Server {
	t.Helper()
	secret, _ := keys.LoadOrStore(dbURL, NewSecretKey())
	cfg := config.Config{
		Addr:           "127.0.0.1:0",
		DatabaseURL:    dbURL,
		DataDir:        t.TempDir(),
		AdminToken:     AdminToken,
		SecretKey:      secret.(string),
		MaxUploadSize:  200 << 20,
		EventRetention: 90 * 24 * 3600e9,
		ScreenRate:     1000,
		// Tests receive webhooks on 127.0.0.1; production refuses internal targets by default.
		WebhookAllowPrivate: true,
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("apptest: listen: %v", err)
	}
	cfg.Addr = ln.Addr().String()
	cfg.PublicURL = "http://" + cfg.Addr
	for _, o := range opts {
		o(&cfg)
	}
	level := slog.LevelWarn
	if os.Getenv("VERMERK_TEST_LOG") != "" {
		level = slog.LevelDebug
	}
	captured := &testlog.Buffer{}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if _, bench := t.(*testing.B); !bench { // a benchmark measures the server as it logs in production
		log = slog.New(slog.NewMultiHandler(log.Handler(), slog.NewTextHandler(captured, &slog.HandlerOptions{Level: slog.LevelDebug})))
	}
	a, err := app.Open(context.Background(), cfg, log)
	if err != nil {
		t.Fatalf("apptest: app.Open: %v", err)
	}
	srv := httptest.NewUnstartedServer(a.Handler)
	web.ConfigureServer(srv.Config)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	s := &Server{URL: srv.URL, DBURL: dbURL, App: a, Config: cfg, HTTP: srv, Log: captured}
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
		a.Close(context.Background())
	})
	return s
}

// GQLError is one entry of a response's errors.
type GQLError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code is extensions.code.
func (e GQLError) Code() string { s, _ := e.Extensions["code"].(string); return s }

// Field is extensions.field (the input path of a validation error).
func (e GQLError) Field() string { s, _ := e.Extensions["field"].(string); return s }

// Result is a decoded GraphQL response.
type Result struct {
	Status int
	Data   json.RawMessage `json:"data"`
	Errors []GQLError      `json:"errors"`
}

// Decode unmarshals data into v, failing the test on errors in the response.
func (r *Result) Decode(t testing.TB, v any) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("unexpected GraphQL errors: %+v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decode data %s: %v", r.Data, err)
	}
}

// ErrorCodes lists extensions.code of every error.
func (r *Result) ErrorCodes() []string {
	var out []string
	for _, e := range r.Errors {
		out = append(out, e.Code())
	}
	return out
}

// Do posts a GraphQL request with the token ("" sends no Authorization header).
func (s *Server) Do(t testing.TB, token, query string, vars map[string]any) *Result {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return send(t, req, token)
}

// send adds the bearer token ("" sends none), posts req and decodes the GraphQL response.
func send(t testing.TB, req *http.Request, token string) *Result {
	t.Helper()
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /graphql: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	res := &Result{Status: resp.StatusCode}
	if err := json.Unmarshal(raw, res); err != nil {
		t.Fatalf("response is not GraphQL JSON (status %d): %s", resp.StatusCode, raw)
	}
	return res
}

// Admin runs a request as the bootstrap admin.
func (s *Server) Admin(t testing.TB, query string, vars map[string]any) *Result {
	t.Helper()
	return s.Do(t, AdminToken, query, vars)
}

// MustAdmin runs a request as admin and decodes data into v, failing on any error.
func (s *Server) MustAdmin(t testing.TB, v any, query string, vars map[string]any) {
	t.Helper()
	s.Admin(t, query, vars).Decode(t, v)
}

// WSURL is the WebSocket address of /graphql.
func (s *Server) WSURL() string { return "ws" + strings.TrimPrefix(s.URL, "http") + "/graphql" }

// Import imports a CSV file as admin (startImport) and waits up to 30 s for the job to leave
// RUNNING; it returns the job's status.
func (s *Server) Import(t testing.TB, fileName string, content []byte) string {
	t.Helper()
	var started struct{ StartImport struct{ ID string } }
	Upload(t, s.URL, AdminToken, `mutation($file: Upload!) { startImport(file: $file) { id } }`, nil, fileName, content).Decode(t, &started)
	return s.AwaitImport(t, started.StartImport.ID)
}

// AwaitImport waits up to 30 s for the import job id to leave RUNNING and returns its status.
func (s *Server) AwaitImport(t testing.TB, id string) string {
	t.Helper()
	var job struct{ ImportJob struct{ Status string } }
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		s.MustAdmin(t, &job, `query($id: ID!) { importJob(id: $id) { status } }`, map[string]any{"id": id})
		if job.ImportJob.Status != "RUNNING" || time.Now().After(deadline) {
			return job.ImportJob.Status
		}
	}
}

// Upload posts a GraphQL multipart request (the GraphQL multipart request spec: operations
// with the file variable null, the map, then the file part) binding one file to $file.
func Upload(t testing.TB, url, token, query string, vars map[string]any, fileName string, content []byte) *Result {
	t.Helper()
	return send(t, UploadRequest(url, query, vars, fileName, content), token)
}

// UploadRequest is the multipart request Upload posts, without a token, for a test that
// sends it with headers of its own.
func UploadRequest(url, query string, vars map[string]any, fileName string, content []byte) *http.Request {
	if vars == nil {
		vars = map[string]any{}
	}
	vars["file"] = nil
	ops, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("operations", string(ops))
	_ = w.WriteField("map", `{"0": ["variables.file"]}`)
	fw, _ := w.CreateFormFile("0", fileName)
	_, _ = fw.Write(content)
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, url+"/graphql", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return req
}

// Conn connects to the server's database, for a test's own statements; it is closed when
// the test ends.
func (s *Server) Conn(t testing.TB) *pgx.Conn {
	t.Helper()
	conn := s.connect(t)
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// outboxLock is the advisory lock vermerk_emit takes to write an event (migration 00001).
const outboxLock = 7243001

// HoldEvents takes the outbox's lock on a connection of its own: every write of every
// instance on this database then stops just before it records its event, after it read what
// it decided on, until release is called (at the latest when the test ends). Race tests force
// an interleaving with it.
func (s *Server) HoldEvents(t testing.TB) (release func()) {
	t.Helper()
	conn := s.Conn(t)
	if _, err := conn.Exec(t.Context(), `SELECT pg_advisory_lock($1)`, outboxLock); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			if _, err := conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, outboxLock); err != nil {
				t.Error(err)
			}
		})
	}
	t.Cleanup(release)
	return release
}

// connect connects to the server's database; the caller closes the connection.
func (s *Server) connect(t testing.TB) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), s.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// Cursor is a revocations cursor of now: a subscription with it as `after` gets every
// revocation committed from here on. A subscription without a cursor starts when its stream
// registers on the server, which on a loaded machine can be after the write a test makes next
// (graphql-transport-ws does not acknowledge a subscribe), so such a test would miss its event.
func (s *Server) Cursor(t testing.TB) string {
	t.Helper()
	conn := s.connect(t)
	defer conn.Close(context.Background())
	var cursor string
	if err := conn.QueryRow(t.Context(), `SELECT coalesce(max(id), 0)::text FROM events`).Scan(&cursor); err != nil {
		t.Fatal(err)
	}
	return cursor
}

// AssertBlocksExact fails t unless contact_blocks holds exactly the contacts that
// vermerk_contact_blocked (migration 00025) says recipients must leave out: the table the
// recipients page probes agrees with the rule it stands for.
func (s *Server) AssertBlocksExact(t testing.TB) {
	t.Helper()
	conn := s.connect(t)
	defer conn.Close(context.Background())
	var missing, extra int
	err := conn.QueryRow(t.Context(), `SELECT
			count(*) FILTER (WHERE vermerk_contact_blocked(c.id) AND b.contact_id IS NULL),
			count(*) FILTER (WHERE NOT vermerk_contact_blocked(c.id) AND b.contact_id IS NOT NULL)
		FROM contacts c LEFT JOIN contact_blocks b ON b.contact_id = c.id`).Scan(&missing, &extra)
	if err != nil {
		t.Fatal(err)
	}
	if missing != 0 || extra != 0 {
		t.Errorf("contact_blocks is not exact: %d blocked contacts missing from it, %d unblocked ones in it", missing, extra)
	}
}

// OneClick posts RFC 8058's one-click form to an unsubscribe link, as a mail provider does,
// and returns the status.
func OneClick(t testing.TB, link string) int {
	t.Helper()
	resp, err := http.PostForm(link, map[string][]string{"List-Unsubscribe": {"One-Click"}})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}
