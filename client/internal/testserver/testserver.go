// Package testserver starts the real Vermerk server — built from the workspace, on its own
// embedded, throwaway PostgreSQL — for the client's end-to-end tests (UI screens included).
// Only tests import it.
package testserver

import (
	"context"
	"fmt"
	"hash/crc32"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// AdminToken is the bootstrap ADMIN token of every server Start runs.
const AdminToken = "testserver-admin-token-0123456789"

var (
	buildOnce sync.Once
	binPath   string
	buildErr  string
)

// Start runs a fresh server for the test and returns its base URL; it stops with the test.
// VERMERK_E2E_URL and VERMERK_E2E_TOKEN name a running server instead. Without PostgreSQL's
// binaries, or with -short, the test is skipped.
func Start(t testing.TB) (url, adminToken string) {
	t.Helper()
	if u := os.Getenv("VERMERK_E2E_URL"); u != "" {
		return u, os.Getenv("VERMERK_E2E_TOKEN")
	}
	s := Run(t)
	return s.URL, s.Token
}

// Server is a server of the test's own that the test can stop and start again, on the same
// address and database (an upgrade, a restart, a minute without network).
type Server struct {
	URL, Token string

	addr, dir, data string
	mu              sync.Mutex
	log             strings.Builder
	cmd             *exec.Cmd
	cancel          context.CancelFunc
}

// Run starts a fresh server of the test's own (never VERMERK_E2E_URL's: the test stops it);
// it stops with the test. Without PostgreSQL's binaries, or with -short, the test is skipped.
func Run(t testing.TB) *Server {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test: needs the server binary and PostgreSQL (skipped with -short)")
	}
	if _, err := exec.LookPath("initdb"); err != nil {
		if m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb"); len(m) == 0 {
			t.Skip("end-to-end test: PostgreSQL's initdb is not installed")
		}
	}
	buildOnce.Do(func() {
		// One binary per user and source tree, replaced atomically: test runs and packages
		// built in parallel neither collide nor leave a binary behind per run, and two
		// checkouts (git worktrees) tested at once do not run each other's server.
		_, self, _, _ := runtime.Caller(0)
		tree := crc32.ChecksumIEEE([]byte(filepath.Dir(self)))
		binPath = filepath.Join(os.TempDir(), fmt.Sprintf("vermerk-testserver-%d-%08x", os.Getuid(), tree))
		tmp := fmt.Sprintf("%s.%d", binPath, os.Getpid())
		out, err := exec.Command("go", "build", "-o", tmp, "github.com/vermerk/vermerk/server/cmd/vermerk").CombinedOutput()
		if err == nil {
			err = os.Rename(tmp, binPath)
		}
		if err != nil {
			os.Remove(tmp)
			buildErr = err.Error() + "\n" + string(out)
		}
	})
	if buildErr != "" {
		t.Fatalf("building the server: %s", buildErr)
	}
	// As root the database runs as user postgres, which must reach its directory.
	dir, err := os.MkdirTemp("", "vermerk-testserver-")
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s := &Server{URL: "http://" + addr, Token: AdminToken, addr: addr, dir: dir, data: data}
	t.Cleanup(func() {
		s.stop()
		os.RemoveAll(dir)
	})
	s.Start(t)
	return s
}

// Start starts the server (again, after Stop: same address, same database) and waits until
// it is ready.
func (s *Server) Start(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, binPath, "serve")
	cmd.Env = append(os.Environ(), "VERMERK_ADDR="+s.addr, "VERMERK_DATA_DIR="+s.data,
		"VERMERK_ADMIN_TOKEN="+AdminToken, "DATABASE_URL=", "VERMERK_SECRET_KEY=",
		// the tests' webhook receivers listen on 127.0.0.1
		"VERMERK_WEBHOOK_ALLOW_PRIVATE=true")
	cmd.Stdout = writerFunc(func(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.log.Write(p) })
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	s.mu.Lock()
	s.cmd, s.cancel = cmd, cancel
	s.mu.Unlock()
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			s.mu.Lock()
			defer s.mu.Unlock()
			t.Fatalf("server not ready after 90 s:\n%s", s.log.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Stop stops the server as an upgrade would (interrupt, then wait); its address then refuses
// connections until Start.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	s.stop()
}

func (s *Server) stop() {
	s.mu.Lock()
	cmd, cancel := s.cmd, s.cancel
	s.cmd, s.cancel = nil, nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		cancel()
		<-done
	}
	cancel()
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
