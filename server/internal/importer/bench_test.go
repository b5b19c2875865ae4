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
)

// TestImportThroughput imports a generated file in process and reports rows/s, the peak RSS
// of the test process (server and importer; the file is read from disk) and, as the
// baseline `make bench` prints, a COPY of the same file into a bare table of the same
// database. Set VERMERK_IMPORT_ROWS (e.g. 1000000) to run it; VERMERK_IMPORT_SQL runs extra
// statements (separated by ";;") before the import, to compare schema variants.
func TestImportThroughput(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("VERMERK_IMPORT_ROWS"))
	if n == 0 {
		t.Skip("set VERMERK_IMPORT_ROWS to measure")
	}
	s := apptest.Start(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := importer.SeedBlacklist(ctx, conn, s.App.Keyring, n, 7, 10000); err != nil {
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

	start := time.Now()
	j, err := s.App.Imports.Start(ctx, graphql.Upload{File: f, Filename: "bench.csv", Size: st.Size()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for {
		time.Sleep(20 * time.Millisecond)
		if j, err = s.App.Imports.Job(ctx, j.ID); err != nil {
			t.Fatal(err)
		}
		if j.Status != "RUNNING" {
			break
		}
	}
	d := time.Since(start)
	f.Close()
	got := importer.Expect{Rows: j.Processed, Inserted: j.Inserted, Duplicates: j.Duplicates, Held: j.Held, Invalid: j.Invalid}
	if got != want || j.Status != "NEEDS_DECISION" {
		t.Errorf("status %s, counts %+v, want NEEDS_DECISION %+v", j.Status, got, want)
	}
	rps := float64(j.Processed) / d.Seconds()
	t.Logf("import: %d rows in %v: %.0f rows/s; peak RSS of the process %d MB (%d MB before the import)",
		j.Processed, d.Round(time.Millisecond), rps, peakRSS(t)>>10, before>>10)

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
	load, _ := os.ReadFile("/proc/loadavg")
	t.Logf("baseline COPY into a bare table: %.0f rows/s; import/COPY = %.3f; load %s", base, rps/base, strings.TrimSpace(string(load)))
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
