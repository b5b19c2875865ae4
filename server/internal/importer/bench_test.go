package importer_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/importer"
	"github.com/vermerk/vermerk/server/internal/pgtest"
)

// TestImportThroughput imports a generated file in process and reports rows/s, the peak RSS
// of the test process (server and importer; the file is read from disk) and, as the
// baseline `make bench` prints, a COPY of the same file into a bare table of the same
// database, on a durable cluster of its own (fsync on, as the bench's and a real
// installation's; the shared test cluster runs without). Set VERMERK_IMPORT_ROWS (e.g.
// 1000000) to run it; VERMERK_IMPORT_BLACKLIST sets how many blacklist entries the file does
// not match (default 10,000); VERMERK_IMPORT_SQL runs extra statements (separated by ";;")
// before the import, to compare schema variants.
func TestImportThroughput(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("VERMERK_IMPORT_ROWS"))
	if n == 0 {
		t.Skip("set VERMERK_IMPORT_ROWS to measure")
	}
	s := apptest.StartOn(t, pgtest.DurableDB(t))
	ctx := context.Background()
	conn := s.Conn(t)
	extra := 10000
	if v, err := strconv.Atoi(os.Getenv("VERMERK_IMPORT_BLACKLIST")); err == nil {
		extra = v
	}
	if _, err := importer.SeedBlacklist(ctx, conn, s.App.Keyring, n, 7, extra); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `VACUUM ANALYZE blacklist_hashes`); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range strings.Split(os.Getenv("VERMERK_IMPORT_SQL"), ";;") {
		if strings.TrimSpace(stmt) != "" {
			if _, err := conn.Exec(ctx, stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
	}
	path := filepath.Join(t.TempDir(), "bench.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	want, err := importer.GenerateCSV(f, n, 7)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	st, _ := f.Stat()
	before := peakRSS(t)
	var backend int
	if err := conn.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&backend); err != nil {
		t.Fatal(err)
	}
	postmaster := parentPID(t, backend)
	cpuGo, cpuDB := selfCPU(t), clusterCPU(t, postmaster)

	start := time.Now()
	j, err := s.App.Imports.Start(ctx, graphql.Upload{File: f, Filename: "bench.csv", Size: st.Size()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Start (spooling the file) took %v", time.Since(start).Round(time.Millisecond))
	for {
		time.Sleep(100 * time.Millisecond) // as vermerk-bench polls
		if j, err = s.App.Imports.Job(ctx, j.ID); err != nil {
			t.Fatal(err)
		}
		if j.Status != "RUNNING" {
			break
		}
	}
	d := time.Since(start)
	// The job's own connections close after it finished: let their backends end and be
	// counted in the postmaster's children's time.
	time.Sleep(time.Second)
	// Entries still in the trigram index's pending list are work the import left for later
	// (a larger gin_pending_list_limit in VERMERK_IMPORT_SQL only postpones it): count it.
	var pages int64
	t0 := time.Now()
	if err := conn.QueryRow(ctx, `SELECT gin_clean_pending_list('contacts_search')`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	t.Logf("the trigram index's pending list: %d pages left, merged in %v", pages, time.Since(t0).Round(time.Millisecond))
	cpuGo, cpuDB = selfCPU(t)-cpuGo, clusterCPU(t, postmaster)-cpuDB
	if rows, err := conn.Query(ctx, `SELECT pid, left(regexp_replace(query, '\s+', ' ', 'g'), 50) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()`); err == nil {
		var pid int
		var q string
		_, _ = pgx.ForEachRow(rows, []any{&pid, &q}, func() error {
			if f := procStat(pid); f != nil {
				if c := ticks(f, 14, 15); c > time.Second/10 {
					t.Logf("backend %d: %.1f µs per row; last query %s", pid, float64(c.Microseconds())/float64(n), q)
				}
			}
			return nil
		})
	}
	f.Close()
	got := importer.Expect{Rows: j.Processed, Inserted: j.Inserted, Duplicates: j.Duplicates, Held: j.Held, Invalid: j.Invalid}
	if got != want || j.Status != "NEEDS_DECISION" {
		t.Errorf("status %s, counts %+v, want NEEDS_DECISION %+v", j.Status, got, want)
	}
	rps := float64(j.Processed) / d.Seconds()
	t.Logf("import: %d rows in %v: %.0f rows/s; peak RSS of the process %d MB (%d MB before the import)",
		j.Processed, d.Round(time.Millisecond), rps, peakRSS(t)>>10, before>>10)
	// CPU time per row depends far less on what else runs on the machine than rows/s.
	t.Logf("CPU per row: Go %.1f µs, PostgreSQL %.1f µs (all processes of the cluster)",
		float64(cpuGo.Microseconds())/float64(n), float64(cpuDB.Microseconds())/float64(n))

	if _, err := conn.Exec(ctx, `CREATE TABLE bench_copy (vorname text, nachname text, firma text, email text,
		telefon text, strasse text, plz text, ort text, land text)`); err != nil {
		t.Fatal(err)
	}
	f, err = os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	start = time.Now()
	if _, err := conn.PgConn().CopyFrom(ctx, bufio.NewReaderSize(f, 256<<10), `COPY bench_copy FROM STDIN (FORMAT csv, DELIMITER ';', HEADER true)`); err != nil {
		t.Fatal(err)
	}
	base := float64(n) / time.Since(start).Seconds()
	cpuDB = clusterCPU(t, postmaster) - cpuDB
	load, _ := os.ReadFile("/proc/loadavg")
	t.Logf("baseline COPY into a bare table: %.0f rows/s, PostgreSQL CPU %.1f µs per row; import/COPY = %.3f; load %s",
		base, float64(cpuDB.Microseconds())/float64(n), rps/base, strings.TrimSpace(string(load)))
}

// peakRSS is the process's peak resident set size (VmHWM) in KiB.
func peakRSS(t *testing.T) int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return kb
		}
	}
	return 0
}

// clockTick is USER_HZ, the unit of the times in /proc/PID/stat (100 on Linux).
const clockTick = 10 * time.Millisecond

// procStat returns the fields of /proc/PID/stat after the command name (field 3 is index 0).
func procStat(pid int) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	s := string(b)
	return strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
}

func parentPID(t *testing.T, pid int) int {
	f := procStat(pid)
	if f == nil {
		t.Skipf("no /proc/%d/stat", pid)
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

func ticks(f []string, fields ...int) time.Duration {
	var d time.Duration
	for _, i := range fields {
		n, _ := strconv.Atoi(f[i-3])
		d += time.Duration(n) * clockTick
	}
	return d
}

// clusterCPU is the CPU time the postmaster and all its children used so far, live or ended.
func clusterCPU(t *testing.T, postmaster int) time.Duration {
	f := procStat(postmaster)
	if f == nil {
		t.Skipf("no /proc/%d/stat", postmaster)
	}
	d := ticks(f, 14, 15, 16, 17) // utime, stime, cutime, cstime
	dirs, _ := os.ReadDir("/proc")
	for _, e := range dirs {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if c := procStat(pid); c != nil && c[1] == strconv.Itoa(postmaster) {
			d += ticks(c, 14, 15)
		}
	}
	return d
}

func selfCPU(t *testing.T) time.Duration {
	f := procStat(os.Getpid())
	if f == nil {
		t.Skip("no /proc/self/stat")
	}
	return ticks(f, 14, 15)
}
