package importer_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/config"
	"github.com/vermerk/vermerk/server/internal/importer"
	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/screening"
)

// proc is a `vermerk serve` subprocess.
type proc struct {
	cmd *exec.Cmd
	url string
}

type processEnv struct {
	dbURL, dataDir, secret string
}

func newProcessEnv(t *testing.T) processEnv {
	var key [32]byte
	_, _ = rand.Read(key[:])
	return processEnv{dbURL: pgtest.NewDB(t), dataDir: t.TempDir(), secret: base64.StdEncoding.EncodeToString(key[:])}
}

func (e processEnv) environ(addr string) []string {
	return append(os.Environ(), "DATABASE_URL="+e.dbURL, "VERMERK_DATA_DIR="+e.dataDir, "VERMERK_SECRET_KEY="+e.secret,
		"VERMERK_ADMIN_TOKEN="+apptest.AdminToken, "VERMERK_ADDR="+addr, "VERMERK_LOG_FORMAT=text")
}

func (e processEnv) keyring(t *testing.T) *screening.Keyring {
	k, err := screening.ParseKey(e.secret)
	if err != nil {
		t.Fatal(err)
	}
	kr, err := screening.NewKeyring(k)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

func serve(t *testing.T, e processEnv) *proc {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(apptest.Binary(t), "serve")
	cmd.Env = e.environ(addr)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, url: "http://" + addr}
	t.Cleanup(func() { p.kill() })
	// a deadline for a server that never gets ready, not a measure: on a machine busy with
	// other tests' builds and clusters a start took more than 30 s
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get(p.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("vermerk serve not ready after 90 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill sends SIGKILL: no shutdown code runs.
func (p *proc) kill() {
	if p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
	}
}

func (p *proc) server() *apptest.Server { return &apptest.Server{URL: p.url} }

func generated(t *testing.T, rows int, seed int64) ([]byte, importer.Expect) {
	var b strings.Builder
	ex, err := importer.GenerateCSV(&b, rows, seed)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(b.String()), ex
}

// killMidImport starts an import of file and SIGKILLs the server once some batches committed.
func killMidImport(t *testing.T, e processEnv, p *proc, file []byte, rows int) string {
	t.Helper()
	res := upload(t, p.url, apptest.AdminToken, startImport, nil, "gross.csv", file)
	var started struct{ StartImport job }
	res.Decode(t, &started)
	id := started.StartImport.ID
	deadline := time.Now().Add(60 * time.Second)
	for {
		var q struct{ ImportJob job }
		p.server().MustAdmin(t, &q, `query($id: ID!) { importJob(id: $id) { id status processed } }`, map[string]any{"id": id})
		if q.ImportJob.Processed >= 10000 {
			if q.ImportJob.Status != "RUNNING" || q.ImportJob.Processed >= rows {
				t.Fatalf("the import ended before the kill (%+v); make the file bigger", q.ImportJob)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no progress within 60 s: %+v", q.ImportJob)
		}
		time.Sleep(5 * time.Millisecond)
	}
	p.kill()
	settled(t, e.dbURL)
	return id
}

// settled waits until no other session of the database is executing a statement: a COMMIT
// the killed server had sent still completes after the kill, and what the tests then read
// must include it.
func settled(t *testing.T, dbURL string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for queryInt(t, dbURL, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
		AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND state <> 'idle'`) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the killed server's statements still run after 30 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCrashMidImportResumesFromCheckpoint(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the server")
	}
	e := newProcessEnv(t)
	const rows = 60_000
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, e.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := importer.SeedBlacklist(ctx, conn, e.keyring(t), rows, 1, 1000); err != nil {
		t.Fatal(err)
	}
	file, want := generated(t, rows, 1)

	id := killMidImport(t, e, serve(t, e), file, rows)

	// No half batch: what the job counted is exactly what is in the database.
	var status string
	var processed, inserted, held, checkpoint int
	if err := conn.QueryRow(ctx, `SELECT status, processed, inserted, held, checkpoint_line FROM import_jobs WHERE id = $1`, id).
		Scan(&status, &processed, &inserted, &held, &checkpoint); err != nil {
		t.Fatal(err)
	}
	if status != "RUNNING" || checkpoint != processed+1 {
		t.Errorf("after the kill: status %s, processed %d, checkpoint line %d; want RUNNING with the checkpoint at the last committed row", status, processed, checkpoint)
	}
	if n := queryInt(t, e.dbURL, `SELECT count(*) FROM contacts`); n != inserted {
		t.Errorf("after the kill: %d contacts, the job counted %d inserted", n, inserted)
	}
	if n := queryInt(t, e.dbURL, `SELECT count(*) FROM import_held`); n != held {
		t.Errorf("after the kill: %d held rows, the job counted %d", n, held)
	}

	p := serve(t, e) // resumes the job
	j := waitJob(t, p.server(), id)
	got := importer.Expect{Rows: j.Processed, Inserted: j.Inserted, Duplicates: j.Duplicates, Held: j.Held, Invalid: j.Invalid}
	if j.Status != "NEEDS_DECISION" || got != want || j.Total != rows {
		t.Errorf("resumed job: %s total %d %+v, want NEEDS_DECISION %+v", j.Status, j.Total, got, want)
	}
	if n := queryInt(t, e.dbURL, `SELECT count(*) FROM contacts`); n != want.Inserted {
		t.Errorf("%d contacts after the resumed import, want %d", n, want.Inserted)
	}
	if n := queryInt(t, e.dbURL, `SELECT count(*) FROM (SELECT normalized FROM contact_emails GROUP BY normalized HAVING count(*) > 1) d`); n != 0 {
		t.Errorf("%d e-mail addresses are stored twice", n)
	}
	if entries, _ := os.ReadDir(filepath.Join(e.dataDir, "imports")); len(entries) != 0 {
		t.Errorf("spooled files left after the job: %d", len(entries))
	}
}

func TestCrashWithoutSpooledFileFails(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the server")
	}
	e := newProcessEnv(t)
	const rows = 60_000
	file, _ := generated(t, rows, 2)
	id := killMidImport(t, e, serve(t, e), file, rows)
	inserted := queryInt(t, e.dbURL, `SELECT inserted FROM import_jobs WHERE id = $1`, id)
	line := queryInt(t, e.dbURL, `SELECT checkpoint_line FROM import_jobs WHERE id = $1`, id)
	if err := os.RemoveAll(filepath.Join(e.dataDir, "imports")); err != nil {
		t.Fatal(err)
	}

	p := serve(t, e)
	j := waitJob(t, p.server(), id)
	if j.Status != "FAILED" || j.Message == nil || !strings.Contains(*j.Message, fmt.Sprintf("rows up to line %d were imported", line)) {
		t.Errorf("job = %s %v, want FAILED saying up to which line rows were imported (%d)", j.Status, j.Message, line)
	}
	if n := queryInt(t, e.dbURL, `SELECT count(*) FROM contacts`); n != inserted || j.Inserted != inserted {
		t.Errorf("%d contacts, job says %d inserted; want the %d committed before the kill", n, j.Inserted, inserted)
	}
}

func TestCLIImport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	e := newProcessEnv(t)
	seedOffice(t, apptest.StartOn(t, e.dbURL, func(c *config.Config) { c.SecretKey = e.secret }))
	path := filepath.Join(t.TempDir(), "Messe Köln.csv")
	if err := os.WriteFile(path, windows1252(t, officeCSV), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(apptest.Binary(t), "import", path, "--list", "messe-2024")
	cmd.Env = e.environ("127.0.0.1:0")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("vermerk import: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	// line 10 (name and address on the blacklist) is held, not imported with a warning
	for _, want := range []string{"NEEDS_DECISION", "rows 10, inserted 3, duplicates 2, held 3, invalid 2",
		`line 8: e-mail has no domain`, "line 9: no family name", "3 rows match the blacklist"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := queryInt(t, e.dbURL, `SELECT count(*) FROM list_members`); n != 3 {
		t.Errorf("list members = %d, want 3", n)
	}
	if n := queryInt(t, e.dbURL, `SELECT count(*) FROM audit_log WHERE operation = 'startImport' AND actor_id = 'cli'`); n != 1 {
		t.Errorf("audit rows of the CLI import = %d, want 1", n)
	}

	cmd = exec.Command(apptest.Binary(t), "import", filepath.Join(t.TempDir(), "fehlt.csv"))
	cmd.Env = e.environ("127.0.0.1:0")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "fehlt.csv") {
		t.Errorf("missing file: err %v, output %s", err, out)
	}
}
