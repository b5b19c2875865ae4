package embeddedpg_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/embeddedpg"
)

// reachableTempDir is a temp dir the postgres user can traverse when the
// tests run as root, so the cluster is not relocated.
func reachableTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "embeddedpg-test-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o711); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func startCluster(t *testing.T, opts embeddedpg.Options) *embeddedpg.Cluster {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	}
	begin := time.Now()
	c, err := embeddedpg.Start(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first start (initdb + postgres + ready): %v", time.Since(begin))
	t.Cleanup(func() {
		if err := c.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return c
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func exec1(t *testing.T, connString, sql string, args ...any) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), connString)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), sql, args...); err != nil {
		t.Fatal(err)
	}
}

func queryString(t *testing.T, connString, sql string) string {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), connString)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var s string
	if err := conn.QueryRow(t.Context(), sql).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStartQueryRestartKeepsData(t *testing.T) {
	c := startCluster(t, embeddedpg.Options{DataDir: reachableTempDir(t), Fast: true})
	before := c.ConnString("postgres")
	if got := queryString(t, before, "SHOW server_encoding"); got != "UTF8" {
		t.Errorf("server_encoding = %q, want UTF8", got)
	}
	if got := queryString(t, before, "SHOW fsync"); got != "off" {
		t.Errorf("fsync = %q in Fast mode, want off", got)
	}
	exec1(t, before, "CREATE TABLE kept (name text)")
	exec1(t, before, "INSERT INTO kept VALUES ('still here')")

	begin := time.Now()
	if err := c.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Logf("stop: %v", time.Since(begin))
	if _, err := pgx.Connect(t.Context(), before); err == nil {
		t.Fatal("connected after Stop")
	}
	begin = time.Now()
	if err := c.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Logf("restart: %v", time.Since(begin))
	if after := c.ConnString("postgres"); after != before {
		t.Fatalf("restart changed the connection string (port): %q -> %q", before, after)
	}
	if got := queryString(t, before, "SELECT name FROM kept"); got != "still here" {
		t.Errorf("after restart: %q", got)
	}
}

func TestServeModeKeepsFsync(t *testing.T) {
	c := startCluster(t, embeddedpg.Options{DataDir: reachableTempDir(t)})
	if got := queryString(t, c.ConnString("postgres"), "SHOW fsync"); got != "on" {
		t.Errorf("fsync = %q, want on", got)
	}
	if got := queryString(t, c.ConnString("postgres"), "SHOW max_wal_size"); got != "2GB" {
		t.Errorf("max_wal_size = %q, want 2GB", got)
	}
	if got, want := queryString(t, c.ConnString("postgres"), "SELECT setting::bigint * 8 || 'kB' FROM pg_settings WHERE name = 'shared_buffers'"), embeddedpg.SharedBuffers(); got != want {
		t.Errorf("shared_buffers = %s, want %s (a quarter of this machine's memory, within bounds)", got, want)
	}
}

func TestStartRemovesStaleLockFiles(t *testing.T) {
	c := startCluster(t, embeddedpg.Options{DataDir: reachableTempDir(t), Fast: true})
	port := strings.Split(strings.Split(c.ConnString("postgres"), "@127.0.0.1:")[1], "/")[0]
	if err := c.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	// A crash leaves the lock files behind, and after a reboot (or in a
	// container) their pid may belong to an unrelated live process.
	sleeper := exec.Command("sleep", "60")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { sleeper.Process.Kill(); sleeper.Wait() }()
	pid := strconv.Itoa(sleeper.Process.Pid)
	pgdata := filepath.Join(c.DataDir(), "pg")
	stale := pid + "\n" + pgdata + "\n1700000000\n" + port + "\n" + filepath.Join(c.DataDir(), "run") + "\n127.0.0.1\n  5432001  0\nready   \n"
	if err := os.WriteFile(filepath.Join(pgdata, "postmaster.pid"), []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	lock := filepath.Join(c.DataDir(), "run", ".s.PGSQL."+port+".lock")
	if err := os.WriteFile(lock, []byte(pid+"\n"+pgdata+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(t.Context()); err != nil {
		t.Fatalf("start over stale lock files: %v", err)
	}
	queryString(t, c.ConnString("postgres"), "SELECT 'ok'")
}

func TestStartFailureQuotesServerLog(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	_, err = embeddedpg.Start(t.Context(), embeddedpg.Options{DataDir: reachableTempDir(t), Port: port, Fast: true})
	if err == nil {
		t.Fatal("started on a port that is in use")
	}
	if !strings.Contains(err.Error(), "could not bind") || !strings.Contains(err.Error(), "postgres.log") {
		t.Errorf("error does not quote the server log:\n%v", err)
	}
}

func TestRootRelocatesUnreachableDataDir(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root relocates")
	}
	private := t.TempDir() // mode 0700, owned by root: postgres cannot enter
	c, err := embeddedpg.Start(t.Context(), embeddedpg.Options{DataDir: private, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Remove(context.Background()) })
	if c.DataDir() != embeddedpg.RelocationOf(private) || !c.Relocated() {
		t.Fatalf("DataDir() = %s, want the relocation %s", c.DataDir(), embeddedpg.RelocationOf(private))
	}
	if origin, err := os.ReadFile(filepath.Join(c.DataDir(), "data-dir")); err != nil || strings.TrimSpace(string(origin)) != private {
		t.Errorf("the relocated cluster does not name its data directory: %q, %v", origin, err)
	}
	queryString(t, c.ConnString("postgres"), "SELECT 'ok'")
	if err := c.Remove(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(c.DataDir()); !os.IsNotExist(err) {
		t.Errorf("Remove left %s behind (stat: %v)", c.DataDir(), err)
	}
}

// TestNewDataDirStaysInside: a data directory that does not exist yet, below directories the
// database user can search, holds its cluster itself, also when root starts it; Remove then
// leaves nothing behind, neither there nor under /var/lib/vermerk or the temp dir.
func TestNewDataDirStaysInside(t *testing.T) {
	for _, tc := range []struct{ name, sub string }{
		{"one new level", "data"},
		{"several new levels", "a/b/c"},
		{"long path (socket in the temp dir)", strings.Repeat("x", 60) + "/" + strings.Repeat("y", 60)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent := reachableTempDir(t)
			tmp := reachableTempDir(t)
			t.Setenv("TMPDIR", tmp) // where a long path's socket directory goes
			dataDir := filepath.Join(parent, tc.sub)
			c, err := embeddedpg.Start(t.Context(), embeddedpg.Options{DataDir: dataDir, Fast: true})
			if err != nil {
				t.Fatal(err)
			}
			if c.DataDir() != dataDir || c.Relocated() {
				c.Remove(context.Background())
				t.Fatalf("DataDir() = %s, want %s itself", c.DataDir(), dataDir)
			}
			queryString(t, c.ConnString("postgres"), "SELECT 'ok'")
			if err := c.Remove(t.Context()); err != nil {
				t.Fatal(err)
			}
			for _, gone := range []string{dataDir, embeddedpg.RelocationOf(dataDir)} {
				if _, err := os.Stat(gone); !os.IsNotExist(err) {
					t.Errorf("%s is left behind (stat: %v)", gone, err)
				}
			}
			if left, _ := os.ReadDir(tmp); len(left) > 0 {
				t.Errorf("the temp dir keeps %d entries, first %s", len(left), left[0].Name())
			}
		})
	}
}

// TestDatabaseDiesWithParent starts a cluster in a child process, kills that
// process with SIGKILL and expects the postmaster to follow.
func TestDatabaseDiesWithParent(t *testing.T) {
	if dir := os.Getenv("EMBEDDEDPG_CHILD_DIR"); dir != "" {
		c, err := embeddedpg.Start(context.Background(), embeddedpg.Options{DataDir: dir, Fast: true})
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("ready", c.DataDir())
		time.Sleep(time.Minute)
		return
	}
	dir := reachableTempDir(t)
	child := exec.Command(os.Args[0], "-test.run=^TestDatabaseDiesWithParent$")
	child.Env = append(os.Environ(), "EMBEDDEDPG_CHILD_DIR="+dir)
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	if !strings.HasPrefix(line, "ready ") {
		child.Process.Kill()
		child.Wait()
		t.Fatalf("child: %q", line)
	}
	b, err := os.ReadFile(filepath.Join(strings.TrimSpace(strings.TrimPrefix(line, "ready ")), "pg", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.SplitN(string(b), "\n", 2)[0])
	child.Process.Kill()
	child.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGQUIT)
			t.Fatalf("postmaster %d still runs 10s after its parent died", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
