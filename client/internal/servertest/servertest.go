// Package servertest starts the real Vermerk server for the client's end-to-end tests: the
// server binary built from the workspace, on its embedded, throwaway PostgreSQL.
package servertest

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// AdminToken is the bootstrap admin token of a started server.
const AdminToken = "e2e-admin-token-0123456789"

// Start builds the server and runs it until the test ends; it returns the base URL and an
// ADMIN token. VERMERK_E2E_URL and VERMERK_E2E_TOKEN use a running server instead. Without
// PostgreSQL's initdb, or with -short, the test is skipped.
func Start(t testing.TB) (url, token string) {
	t.Helper()
	if u := os.Getenv("VERMERK_E2E_URL"); u != "" {
		return u, os.Getenv("VERMERK_E2E_TOKEN")
	}
	if testing.Short() {
		t.Skip("end-to-end test: needs the server binary and PostgreSQL (skipped with -short)")
	}
	if _, err := exec.LookPath("initdb"); err != nil {
		t.Skip("end-to-end test: PostgreSQL's initdb is not installed")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "vermerk")
	build := exec.Command("go", "build", "-o", bin, "github.com/vermerk/vermerk/server/cmd/vermerk")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the server: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "serve")
	cmd.Env = append(os.Environ(), "VERMERK_ADDR="+addr, "VERMERK_DATA_DIR="+filepath.Join(dir, "data"),
		"VERMERK_ADMIN_TOKEN="+AdminToken, "DATABASE_URL=")
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cancel()
		}
		cancel()
	})
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready after 90 s:\n%s", log.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	return "http://" + addr, AdminToken
}
