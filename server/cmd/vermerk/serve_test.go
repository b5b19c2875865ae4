package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/apptest/gqlws"
	"github.com/vermerk/vermerk/server/internal/config"
	"github.com/vermerk/vermerk/server/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const testAdminToken = "serve-test-admin-token-0123456789"

// TestServeShutsDownGracefully: on SIGTERM the server stops accepting connections, closes a
// live subscription with a close frame, lets a running request finish and exits 0.
func TestServeShutsDownGracefully(t *testing.T) {
	srv := startBinary(t)

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	ws, err := gqlws.Dial(ctx, srv.wsURL(), testAdminToken, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if err := ws.Subscribe(ctx, "1", `subscription { revocations { cursor kind } }`, nil); err != nil {
		t.Fatal(err)
	}

	// A request that is still running at SIGTERM: its query waits for a table lock we hold.
	lock, err := pgx.Connect(ctx, srv.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close(context.Background())
	tx, err := lock.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, `LOCK TABLE contacts IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	type result struct {
		status int
		body   string
		err    error
	}
	slow := make(chan result, 1)
	go func() {
		status, body, err := srv.post(`{ contacts(first: 1) { totalCount } }`)
		slow <- result{status, body, err}
	}()
	pgtest.WaitForWaiters(t, lock, 1, pgtest.TableLock("contacts")) // the request waits for the lock

	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}

	// The subscription ends with a close frame (normal closure or going away), not a dropped
	// connection, while the slow request is still running.
	for {
		msg, err := ws.Read(ctx)
		if err == nil {
			if msg.Type == "next" {
				continue
			}
			t.Fatalf("subscription got %s %s before the close frame", msg.Type, msg.Payload)
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) {
			t.Fatalf("the WebSocket ended without a close frame: %v", err)
		}
		if ce.Code != websocket.StatusNormalClosure && ce.Code != websocket.StatusGoingAway {
			t.Fatalf("close code %d (%q), want 1000 or 1001", ce.Code, ce.Reason)
		}
		break
	}

	// No new connections once shutting down.
	waitFor(t, "the listener to close", func() bool {
		c, err := net.DialTimeout("tcp", srv.addr, time.Second)
		if err == nil {
			c.Close()
			return false
		}
		return true
	})
	select {
	case r := <-slow:
		t.Fatalf("the running request ended before its query could finish: %d %s %v", r.status, r.body, r.err)
	case <-srv.exited:
		t.Fatalf("the server exited with a request still running\n%s", srv.log())
	case <-time.After(300 * time.Millisecond):
	}

	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	r := <-slow
	if r.err != nil || r.status != http.StatusOK || !strings.Contains(r.body, `"totalCount":0`) || strings.Contains(r.body, `"errors"`) {
		t.Fatalf("running request: status %d, body %s, err %v; want 200 with data", r.status, r.body, r.err)
	}

	select {
	case <-srv.exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("the server did not exit within 30 s of SIGTERM\n%s", srv.log())
	}
	if code := srv.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit code %d, want 0\n%s", code, srv.log())
	}
	if strings.Contains(srv.log(), "level=ERROR") {
		t.Errorf("errors logged during shutdown:\n%s", srv.log())
	}
}

// TestServeExposesMetrics scrapes /metrics of the real binary: it needs a token and names
// every Vermerk metric.
func TestServeExposesMetrics(t *testing.T) {
	srv := startBinary(t)
	if status, body, err := srv.post(`{ screen(candidate: {emails: ["erika.mustermann@example.org"]}) { blocked } }`); err != nil || status != 200 {
		t.Fatalf("screen: %d %s %v", status, body, err)
	}
	req, _ := http.NewRequest("GET", "http://"+srv.addr+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /metrics without a token: %d, want 401", resp.StatusCode)
	}
	req.Header.Set("Authorization", "Bearer "+testAdminToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, body)
	}
	// The screen's request log line: its id, path, operation (its root field) and status,
	// written at most 50 ms later (batched).
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		line := ""
		for l := range strings.SplitSeq(srv.log(), "\n") {
			if strings.Contains(l, "msg=request") && strings.Contains(l, "path=/graphql") {
				line = l
				break
			}
		}
		if line != "" {
			for _, want := range []string{"method=POST", "operation=screen", "status=200", "request_id="} {
				if !strings.Contains(line, want) {
					t.Errorf("request log line %q lacks %s", line, want)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no request log line for the screen in:\n%s", srv.log())
		}
	}
	for _, name := range []string{
		`vermerk_graphql_request_duration_seconds_bucket{operation="screen",type="query"`,
		"vermerk_screenings_total 1",
		`vermerk_screening_matches_total{field="EMAIL"} 0`,
		`vermerk_ratelimit_refusals_total{operation="screen"} 0`,
		"vermerk_subscriptions_active 0",
		"vermerk_event_lag_seconds",
		`vermerk_import_rows_total{outcome="inserted"}`,
		"vermerk_webhook_deliveries_pending 0",
		"vermerk_webhook_oldest_pending_seconds 0",
		"vermerk_webhook_deliveries_failed_total 0",
		"vermerk_db_pool_acquired_conns",
		"go_goroutines",
		"process_resident_memory_bytes",
	} {
		if !bytes.Contains(body, []byte(name)) {
			t.Errorf("/metrics has no %s", name)
		}
	}
}

type binaryServer struct {
	cmd    *exec.Cmd
	addr   string
	dbURL  string
	exited chan struct{}
	mu     sync.Mutex
	out    bytes.Buffer
}

func (s *binaryServer) wsURL() string { return "ws://" + s.addr + "/graphql" }

func (s *binaryServer) log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

func (s *binaryServer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.Write(p)
}

func (s *binaryServer) post(query string) (int, string, error) {
	b, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequest("POST", "http://"+s.addr+"/graphql", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testAdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// startBinary builds vermerk and serves it on a fresh database until the test ends.
func startBinary(t *testing.T) *binaryServer {
	t.Helper()
	return startBinaryOn(t, buildBinary(t), pgtest.NewDB(t))
}

func buildBinary(t *testing.T) string {
	t.Helper()
	binPath := filepath.Join(t.TempDir(), "vermerk")
	if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return binPath
}

// startBinaryOn serves binPath on dbURL until the test ends; env entries override the
// defaults (VERMERK_ADMIN_TOKEN, VERMERK_DATA_DIR, …).
func startBinaryOn(t *testing.T, binPath, dbURL string, env ...string) *binaryServer {
	t.Helper()

	var key [32]byte
	_, _ = rand.Read(key[:])
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &binaryServer{addr: addr, dbURL: dbURL, exited: make(chan struct{})}
	s.cmd = exec.Command(binPath, "serve")
	s.cmd.Env = append(append(os.Environ(),
		"VERMERK_ADDR="+addr,
		"DATABASE_URL="+s.dbURL,
		"VERMERK_SECRET_KEY="+base64.StdEncoding.EncodeToString(key[:]),
		"VERMERK_ADMIN_TOKEN="+testAdminToken,
		"VERMERK_DATA_DIR="+t.TempDir(),
	), env...)
	s.cmd.Stdout, s.cmd.Stderr = s, s
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.cmd.Wait(); close(s.exited) }()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case <-s.exited:
			t.Fatalf("vermerk serve exited at start:\n%s", s.log())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("vermerk serve not healthy after 30 s:\n%s", s.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A server left on the key before a rotation stops, with an error and a non-zero exit, once
// a start with the new key (the old one among its old keys) has recorded it: it would not
// recognise the blacklist entries made with the new key. It checks every 30 seconds.
func TestServeStopsWhenRotatedAway(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the 30-second key check")
	}
	t.Parallel()
	oldKey, newKey := apptest.NewSecretKey(), apptest.NewSecretKey()
	s := startBinaryOn(t, buildBinary(t), pgtest.NewDB(t), "VERMERK_SECRET_KEY="+oldKey)
	apptest.StartOn(t, s.dbURL, func(c *config.Config) { c.SecretKey, c.OldSecretKeys = newKey, []string{oldKey} })
	select {
	case <-s.exited:
	case <-time.After(45 * time.Second):
		t.Fatalf("still serving 45 s after the rotation:\n%s", s.log())
	}
	if code := s.cmd.ProcessState.ExitCode(); code == 0 {
		t.Errorf("exit code 0 after stopping for a rotation:\n%s", s.log())
	}
	if !strings.Contains(s.log(), "current secret key changed to one this instance does not have") {
		t.Errorf("the log does not say why it stopped:\n%s", s.log())
	}
}
