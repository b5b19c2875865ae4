package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/importer"
)

const importSeed = 20260101

// appRole names the ordinary roles of the import figures: not superusers, owners of their
// own database only.
const appRole = "vermerk_app"

// importFile is the generated CSV file and what importing it must yield.
type importFile struct {
	path   string
	expect importer.Expect
}

// importFigures: a CSV file of fake people (importer.GenerateCSV: 1 % on the blacklist, 1 %
// duplicates, 0.1 % invalid) imported through startImport into an empty database, by a server
// logged in as the embedded superuser (baseline: COPY of the same file into a bare table; its
// peak RSS is import_rss) and by servers logged in as an ordinary role with and without the
// grant docs/production.md asks for (baseline: the superuser's import). After growing, the
// same file goes into the large database (baseline: the import into the empty one). Then, at the
// first size only, the staff figures (staffwait.go): what staff saves wait for while the file is
// imported once more.
func (b *bench) importFigures(ctx context.Context) error {
	if b.file.path == "" {
		if err := b.generateImportFile(); err != nil {
			return err
		}
	}
	if b.phase != "" {
		rps, _, note, _, err := b.importInto(ctx, "the large database", b.dbURL)
		if err != nil {
			return err
		}
		b.add(figure{name: "import_rps", value: rps, unit: "rows/s", baseline: b.values["import_rps"], goal: atLeast(0.8),
			note: join("baseline: the same import into an empty database", note)})
		return nil
	}
	var version int
	if err := b.pool.QueryRow(ctx, `SELECT current_setting('server_version_num')::int`).Scan(&version); err != nil {
		return err
	}
	// Imports into empty databases as the superuser, as an ordinary role with the grant and
	// without; the first two twice, in alternating order, best of each: another load on the
	// machine then hurts both alike.
	type variant struct{ who, grant string }
	superuser, granted, plain := variant{"superuser", ""}, variant{"role", "grant"}, variant{"role", "plain"}
	order := []variant{superuser, granted, plain, granted, superuser}
	if b.scale.importRows < 100_000 || b.scale.grow > 0 || version < 150000 {
		order = []variant{superuser, granted, plain}
	}
	if version < 150000 { // GRANT SET ON PARAMETER is new in 15
		order = []variant{superuser, plain}
	}
	best, notes := map[variant]float64{}, map[variant]string{}
	var rss float64
	floorRPS, floorNote := na, "not measured: no import stored every row of the file"
	for _, v := range order {
		var floor func(db string) error
		if v == superuser {
			floor = func(db string) error {
				rps, note, err := b.importFloor(ctx, db)
				if math.IsNaN(floorRPS) || rps > floorRPS {
					floorRPS, floorNote = rps, note
				}
				return err
			}
		}
		rps, peak, note, err := b.importIntoEmpty(ctx, v.who, v.grant, floor)
		if err != nil {
			return err
		}
		if old, seen := best[v]; !seen || rps > old || math.IsNaN(old) {
			best[v], notes[v] = rps, note
		}
		if v == superuser {
			rss = max(rss, peak)
		}
	}
	base, err := b.copyBaseline(ctx, b.file.path, b.file.expect.Rows)
	if err != nil {
		return err
	}
	b.add(figure{name: "import_rps", value: best[superuser], unit: "rows/s", baseline: base, goal: atLeast(0.08),
		note: join("embedded superuser, empty database; baseline: COPY into a bare table", notes[superuser])})
	b.add(figure{name: "import_rps_floor", value: floorRPS, unit: "rows/s", baseline: base,
		note: join("the database alone storing what that import stored, in the same tables with their indexes and triggers, "+
			"as the importer writes it (binary COPY, its batches, its connections, its settings): no server, CSV, normalising, "+
			"hashing, screening or lookups, so no import into these tables passes it here; baseline: COPY into a bare table", floorNote)})
	b.add(figure{name: "import_rss", value: rss, unit: "MB", baseline: na, goal: valueAtMost(150), note: "peak RSS of the server process; no baseline"})
	if version < 150000 {
		b.notBuilt("PostgreSQL 15 or later is needed for GRANT SET ON PARAMETER",
			figure{name: "import_rps_role", unit: "rows/s", baseline: best[superuser], goal: atLeast(0.9)})
	} else {
		b.add(figure{name: "import_rps_role", value: best[granted], unit: "rows/s", baseline: best[superuser], goal: atLeast(0.9),
			note: join("ordinary role granted SET on session_replication_role; baseline: the superuser's import", notes[granted])})
	}
	b.add(figure{name: "import_rps_role_without_grant", value: best[plain], unit: "rows/s", baseline: best[superuser],
		note: join("ordinary role without that grant: foreign keys checked per row", notes[plain])})
	return b.staffWaitFigures(ctx)
}

func join(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + "; " + b
}

func (b *bench) generateImportFile() error {
	rows := b.scale.importRows
	b.file.path = filepath.Join(b.dir, "import.csv")
	f, err := os.Create(b.file.path)
	if err != nil {
		return err
	}
	b.file.expect, err = importer.GenerateCSV(f, rows, importSeed)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("generate the import file: %w", err)
	}
	st, _ := os.Stat(b.file.path)
	b.progress("import: %d rows, %.0f MB file", rows, float64(st.Size())/1e6)
	return nil
}

// importIntoEmpty imports the file into a new database: owned by the superuser (who "superuser"),
// or by the ordinary role appRole ("role"), which is granted SET on session_replication_role
// when grant is "grant". The server migrates the database itself, as that login. after, if
// not nil, runs on the database once the import has stored every row of the file.
func (b *bench) importIntoEmpty(ctx context.Context, who, grant string, after func(db string) error) (rowsPerSec, rssMB float64, note string, err error) {
	db, role := "bench_import_"+who+grant, appRole+"_"+grant
	dbURL := b.cluster.ConnString(db)
	if who == "role" {
		password := strings.ReplaceAll(benchID("role-", int(time.Now().UnixNano()%1e9)), "-", "")
		stmts := []string{
			`CREATE ROLE ` + role + ` LOGIN PASSWORD '` + password + `'`,
			`CREATE DATABASE ` + db + ` OWNER ` + role,
		}
		if grant == "grant" {
			stmts = append(stmts, `GRANT SET ON PARAMETER session_replication_role TO `+role)
		}
		if err := b.exec(ctx, stmts...); err != nil {
			return 0, 0, "", err
		}
		u, err := url.Parse(dbURL)
		if err != nil {
			return 0, 0, "", err
		}
		u.User = url.UserPassword(role, password)
		dbURL = u.String()
	} else if err := b.exec(ctx, `CREATE DATABASE `+db); err != nil {
		return 0, 0, "", err
	}
	defer func() {
		ctx := context.WithoutCancel(ctx)
		_ = b.exec(ctx, `DROP DATABASE IF EXISTS `+db+` WITH (FORCE)`)
		if who == "role" {
			_ = b.exec(ctx, `DROP OWNED BY `+role, `DROP ROLE `+role) // DROP OWNED revokes the grant
		}
	}()
	rowsPerSec, rssMB, note, done, err := b.importInto(ctx, "an empty database as "+who+" "+grant, dbURL)
	if err == nil && done && after != nil {
		err = after(db)
	}
	return rowsPerSec, rssMB, note, err
}

// importInto starts a server on dbURL (which migrates it), seeds the blacklist entries the
// file's blacklisted rows match, imports the file and polls the job until it has processed
// every row; done says whether it ended with the counts the file yields.
func (b *bench) importInto(ctx context.Context, where, dbURL string) (rowsPerSec, rssMB float64, note string, done bool, err error) {
	s, err := b.startServer(ctx, dbURL)
	if err != nil {
		return 0, 0, "", false, err
	}
	defer s.stop()
	seed, err := pgx.Connect(ctx, b.cluster.ConnString(databaseOf(dbURL)))
	if err != nil {
		return 0, 0, "", false, err
	}
	_, err = importer.SeedBlacklist(ctx, seed, b.keyring, b.file.expect.Rows, importSeed, 0)
	seed.Close(context.WithoutCancel(ctx))
	if err != nil {
		return 0, 0, "", false, err
	}
	expect := b.file.expect
	staff, err := createToken(ctx, s, "bench-import", "STAFF", nil)
	if err != nil {
		return 0, 0, "", false, err
	}
	b.quiesce(ctx)
	b.progress("import into %s through startImport", where)
	watched := b.watchAutovacuum(ctx)
	m := b.meter(s)
	reads := b.readMeter(ctx)
	wal0 := b.walStats(ctx)
	t0 := time.Now()
	id, err := uploadImport(ctx, s.url, staff, b.file.path)
	if err != nil {
		return 0, 0, "", false, err
	}
	// A CPU profile of the server over the import's first seconds (about 100,000 rows a second).
	profiled := b.importProfile(ctx, s, where)
	defer profiled()
	type job struct {
		Status                                                string
		Total, Processed, Inserted, Duplicates, Held, Invalid int
	}
	var j job
	var firstRows time.Duration // until the job first reported processed rows
	for {
		var out struct{ ImportJob *job }
		if err := gql(ctx, s.url, staff, `query($id: ID!) { importJob(id: $id) { status total processed inserted duplicates held invalid } }`,
			map[string]any{"id": id}, &out); err != nil {
			return 0, 0, "", false, fmt.Errorf("importJob: %w", err)
		}
		if out.ImportJob == nil {
			return 0, 0, "", false, fmt.Errorf("importJob(%s) is gone", id)
		}
		j = *out.ImportJob
		if firstRows == 0 && j.Processed > 0 {
			firstRows = time.Since(t0)
		}
		if j.Status != "RUNNING" || time.Since(t0) > b.scale.importBudget {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	took := time.Since(t0)
	serverCPU, dbCPU := m.used()
	cpu := fmt.Sprintf("CPU per row: server %s µs, database %s µs", num(perOp(serverCPU, j.Processed)), num(perOp(dbCPU, j.Processed)))
	if wal := b.walStats(ctx).since(wal0, j.Processed); wal != "" {
		cpu += "; " + wal
	}
	blocks, diskKiB := reads.read(ctx)
	if read := readsPer(blocks, diskKiB, j.Processed); read != "" {
		cpu += "; read per row: " + read
	}
	cpu = join(cpu, autovacuumNote(watched()))
	b.progress("import: %s", cpu)
	if j.Status == "FAILED" {
		return na, na, "the import FAILED; see " + s.logPath, false, nil
	}
	peak, err := s.peakRSS()
	if err != nil {
		return 0, 0, "", false, err
	}
	if j.Status == "RUNNING" {
		// Stop the job for good, or the next server would adopt it and import during fan-out.
		s.stop()
		stop, err := pgx.Connect(ctx, b.cluster.ConnString(databaseOf(dbURL)))
		if err != nil {
			return 0, 0, "", false, err
		}
		_, err = stop.Exec(ctx, `UPDATE import_jobs SET status = 'FAILED', message = 'stopped by vermerk-bench' WHERE status = 'RUNNING'`)
		stop.Close(context.WithoutCancel(ctx))
		if err != nil {
			return 0, 0, "", false, err
		}
		b.progress("import: still RUNNING after %s, %d of %d rows processed", took.Round(time.Millisecond), j.Processed, expect.Rows)
		return float64(j.Processed) / took.Seconds(), float64(peak) / (1 << 20),
			join(fmt.Sprintf("unfinished after the %s budget: %d of %d rows processed", b.scale.importBudget, j.Processed, expect.Rows), cpu), false, nil
	}
	done = j.Inserted == expect.Inserted && j.Duplicates == expect.Duplicates && j.Held == expect.Held && j.Invalid == expect.Invalid
	if !done {
		note = fmt.Sprintf("counts differ from the file's: inserted %d/%d, duplicates %d/%d, held %d/%d, invalid %d/%d",
			j.Inserted, expect.Inserted, j.Duplicates, expect.Duplicates, j.Held, expect.Held, j.Invalid, expect.Invalid)
	}
	b.progress("import: %s after %s, the first rows after %s (inserted %d, duplicates %d, held %d, invalid %d)", j.Status,
		took.Round(time.Millisecond), firstRows.Round(time.Millisecond), j.Inserted, j.Duplicates, j.Held, j.Invalid)
	return float64(expect.Rows) / took.Seconds(), float64(peak) / (1 << 20), join(cpu, note), done, nil
}

// importProfile saves a CPU profile of s while it imports (BENCH_PROFILE_DIR), named after
// where: import-an-empty-database-as-superuser-cpu.pprof and so on; wait for it with the result.
func (b *bench) importProfile(ctx context.Context, s *server, where string) (wait func()) {
	if profileDir == "" || s == nil || s.debugURL == "" {
		return func() {}
	}
	secs := max(1, b.file.expect.Rows/100_000)
	name := "import-" + strings.Join(strings.Fields(where), "-") + "-cpu.pprof"
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.saveProfile(ctx, s, fmt.Sprintf("/debug/pprof/profile?seconds=%d", secs), name)
	}()
	return func() { <-done }
}

// databaseOf is the database name of a postgres:// URL.
func databaseOf(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(u.Path, "/")
}

// uploadImport streams the file as a GraphQL multipart request and returns the job id.
func uploadImport(ctx context.Context, url, token, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		ops := `{"query": "mutation($file: Upload!) { startImport(file: $file) { id status } }", "variables": {"file": null}}`
		err := mw.WriteField("operations", ops)
		if err == nil {
			err = mw.WriteField("map", `{"0": ["variables.file"]}`)
		}
		var fw io.Writer
		if err == nil {
			fw, err = mw.CreateFormFile("0", filepath.Base(path))
		}
		if err == nil {
			_, err = io.Copy(fw, bufio.NewReaderSize(f, 256<<10))
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequestWithContext(ctx, "POST", url+"/graphql", pr)
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{Timeout: 10 * time.Minute}).Do(req)
	if err != nil {
		return "", fmt.Errorf("startImport: %w", err)
	}
	defer resp.Body.Close()
	var r struct {
		Data struct {
			StartImport *struct{ ID, Status string }
		}
		Errors []gqlError
	}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &r); err != nil || len(r.Errors) > 0 || r.Data.StartImport == nil {
		return "", fmt.Errorf("startImport: HTTP %d: %.300s", resp.StatusCode, raw)
	}
	return r.Data.StartImport.ID, nil
}

// copyBaseline loads the same file with COPY into a bare table (text columns, no index).
func (b *bench) copyBaseline(ctx context.Context, path string, rows int) (float64, error) {
	if err := b.exec(ctx, `CREATE TABLE bench_import_copy (vorname text, nachname text, firma text, email text,
		telefon text, strasse text, plz text, ort text, land text)`); err != nil {
		return 0, err
	}
	defer b.exec(context.WithoutCancel(ctx), `DROP TABLE bench_import_copy`)
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	conn, err := b.pool.Acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Release()
	b.quiesce(ctx)
	b.progress("import baseline: COPY into a bare table")
	t0 := time.Now()
	tag, err := conn.Conn().PgConn().CopyFrom(ctx, f, `COPY bench_import_copy FROM STDIN (FORMAT csv, DELIMITER ';', HEADER true)`)
	if err != nil {
		return 0, fmt.Errorf("COPY baseline: %w", err)
	}
	took := time.Since(t0)
	if int(tag.RowsAffected()) != rows {
		return 0, fmt.Errorf("COPY baseline loaded %d rows, want %d", tag.RowsAffected(), rows)
	}
	return float64(rows) / took.Seconds(), nil
}

// walStats is the cluster's WAL and checkpoint counters, and the buffers backends wrote out
// themselves to free a buffer (pg_stat_bgwriter.buffers_backend: an import into a cluster
// whose shared buffers are full of other pages writes its own fresh pages out) — zero when
// they cannot be read.
type walStats struct {
	bytes, fpi, checkpoints, backendWrites float64
	ok                                     bool
}

func (b *bench) walStats(ctx context.Context) walStats {
	var w walStats
	err := b.pool.QueryRow(ctx, `SELECT w.wal_bytes::float8, w.wal_fpi::float8, (c.checkpoints_timed + c.checkpoints_req)::float8,
			c.buffers_backend::float8
		FROM pg_stat_wal w, pg_stat_bgwriter c`).Scan(&w.bytes, &w.fpi, &w.checkpoints, &w.backendWrites)
	w.ok = err == nil
	return w
}

// since says how much WAL the cluster wrote per row since w0, how many checkpoints began, and
// how many buffers backends wrote out per row.
func (w walStats) since(w0 walStats, rows int) string {
	if !w.ok || !w0.ok || rows <= 0 {
		return ""
	}
	return fmt.Sprintf("WAL per row %.0f bytes, %.2f full-page images, %.0f checkpoints, %.3f buffers written out by backends",
		(w.bytes-w0.bytes)/float64(rows), (w.fpi-w0.fpi)/float64(rows), w.checkpoints-w0.checkpoints, (w.backendWrites-w0.backendWrites)/float64(rows))
}
