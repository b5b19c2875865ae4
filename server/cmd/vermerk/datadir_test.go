package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/embeddedpg"
)

// TestServeOnANewDataDir: `vermerk serve` on an embedded database in a data directory that does
// not exist yet names the directory, the database and the key file in its start-up output and
// says they are new; a second start on the same directory does not; nothing of it lands
// outside the data directory (as root: no relocation under /var/lib/vermerk).
func TestServeOnANewDataDir(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the binary on an embedded database")
	}
	parent, err := os.MkdirTemp("", "vermerk-serve-datadir-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(parent) })
	if err := os.Chmod(parent, 0o711); err != nil { // as root the database user must search it
		t.Fatal(err)
	}
	bin := filepath.Join(parent, "vermerk")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dataDir := filepath.Join(parent, "new", "data")

	first := serveUntilRunning(t, bin, dataDir)
	for _, want := range []string{
		"Data dir:    " + dataDir,
		"Database:    embedded PostgreSQL in " + dataDir,
		"Secret key:  " + filepath.Join(dataDir, "secret.key"),
		"created just now, with an empty database and a new secret key",
	} {
		if !strings.Contains(first, want) {
			t.Errorf("first start does not say %q:\n%s", want, first)
		}
	}
	if _, err := os.Stat(embeddedpg.RelocationOf(dataDir)); !os.IsNotExist(err) {
		os.RemoveAll(embeddedpg.RelocationOf(dataDir))
		t.Errorf("the cluster was relocated to %s", embeddedpg.RelocationOf(dataDir))
	}
	if _, err := os.Stat(filepath.Join(dataDir, "pg", "PG_VERSION")); err != nil {
		t.Errorf("no cluster inside the data directory: %v", err)
	}

	second := serveUntilRunning(t, bin, dataDir)
	if strings.Contains(second, "created just now") {
		t.Errorf("second start on the same directory calls it new:\n%s", second)
	}
}

// serveUntilRunning starts the binary, waits for its banner, stops it with SIGTERM and returns
// what it printed.
func serveUntilRunning(t *testing.T, bin, dataDir string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &binaryServer{addr: addr, exited: make(chan struct{})}
	s.cmd = exec.Command(bin, "serve")
	s.cmd.Env = append(os.Environ(), "VERMERK_ADDR="+addr, "DATABASE_URL=", "VERMERK_SECRET_KEY=",
		"VERMERK_ADMIN_TOKEN="+testAdminToken, "VERMERK_DATA_DIR="+dataDir)
	s.cmd.Stdout, s.cmd.Stderr = s, s
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.cmd.Wait(); close(s.exited) }()
	defer func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(30 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	}()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(s.log(), "Secret key:") {
		select {
		case <-s.exited:
			t.Fatalf("vermerk serve exited at start:\n%s", s.log())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no start-up banner after 60 s:\n%s", s.log())
		}
	}
	time.Sleep(100 * time.Millisecond) // the rest of the banner
	return s.log()
}
