package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/vermerk/vermerk/server/internal/importer"
)

const importSeed = 20260101

// importFigures: a CSV file of fake people (importer.GenerateCSV: 1 % on the blacklist, 1 %
// duplicates, 0.1 % invalid) imported through startImport on a freshly started server, whose
// peak RSS is import_rss; the baseline is COPY of the same file into a bare table.
func (b *bench) importFigures(ctx context.Context) error {
	rows := b.scale.importRows
	path := filepath.Join(b.dir, "import.csv")
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	expect, err := importer.GenerateCSV(f, rows, importSeed)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("generate the import file: %w", err)
	}
	if _, err := importer.SeedBlacklist(ctx, b.pool, b.keyring, rows, importSeed, 0); err != nil {
		return err
	}
	st, _ := os.Stat(path)
	b.progress("import: %d rows, %.0f MB file", rows, float64(st.Size())/1e6)

	rps, rss, note, err := b.importThroughVermerk(ctx, path, expect)
	if err != nil {
		return err
	}
	base, err := b.copyBaseline(ctx, path, rows)
	if err != nil {
		return err
	}
	b.add(figure{name: "import_rps", value: rps, unit: "rows/s", baseline: base, target: "≥ 50000 rows/s", note: note})
	b.add(figure{name: "import_rss", value: rss, unit: "MB", baseline: na, target: "≤ 150 MB", note: "peak RSS of the server process; no baseline"})
	return nil
}

// importThroughVermerk uploads the file to a new server instance and polls the job until it
// has processed every row.
func (b *bench) importThroughVermerk(ctx context.Context, path string, expect importer.Expect) (rowsPerSec, rssMB float64, note string, err error) {
	s, err := b.startServer(ctx)
	if err != nil {
		return 0, 0, "", err
	}
	defer s.stop()
	staff, err := createToken(ctx, s, "bench-import", "STAFF", nil)
	if err != nil {
		return 0, 0, "", err
	}
	b.progress("import through startImport")
	t0 := time.Now()
	id, err := uploadImport(ctx, s.url, staff, path)
	if err != nil {
		return 0, 0, "", err
	}
	type job struct {
		Status                                                string
		Total, Processed, Inserted, Duplicates, Held, Invalid int
	}
	var j job
	for {
		var out struct{ ImportJob *job }
		if err := gql(ctx, s.url, staff, `query($id: ID!) { importJob(id: $id) { status total processed inserted duplicates held invalid } }`,
			map[string]any{"id": id}, &out); err != nil {
			return 0, 0, "", fmt.Errorf("importJob: %w", err)
		}
		if out.ImportJob == nil {
			return 0, 0, "", fmt.Errorf("importJob(%s) is gone", id)
		}
		j = *out.ImportJob
		if j.Status != "RUNNING" || time.Since(t0) > b.scale.importBudget {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	took := time.Since(t0)
	if j.Status == "FAILED" {
		return na, na, "the import FAILED; see " + s.logPath, nil
	}
	peak, err := s.peakRSS()
	if err != nil {
		return 0, 0, "", err
	}
	if j.Status == "RUNNING" {
		// Stop the job for good, or the next server would adopt it and import during fan-out.
		s.stop()
		if err := b.exec(ctx, `UPDATE import_jobs SET status = 'FAILED', message = 'stopped by vermerk-bench' WHERE status = 'RUNNING'`); err != nil {
			return 0, 0, "", err
		}
		b.progress("import: still RUNNING after %s, %d of %d rows processed", took.Round(time.Millisecond), j.Processed, expect.Rows)
		return float64(j.Processed) / took.Seconds(), float64(peak) / (1 << 20),
			fmt.Sprintf("unfinished after the %s budget: %d of %d rows processed", b.scale.importBudget, j.Processed, expect.Rows), nil
	}
	if j.Inserted != expect.Inserted || j.Duplicates != expect.Duplicates || j.Held != expect.Held || j.Invalid != expect.Invalid {
		note = fmt.Sprintf("counts differ from the file's: inserted %d/%d, duplicates %d/%d, held %d/%d, invalid %d/%d",
			j.Inserted, expect.Inserted, j.Duplicates, expect.Duplicates, j.Held, expect.Held, j.Invalid, expect.Invalid)
	}
	b.progress("import: %s after %s (inserted %d, duplicates %d, held %d, invalid %d)", j.Status, took.Round(time.Millisecond),
		j.Inserted, j.Duplicates, j.Held, j.Invalid)
	return float64(expect.Rows) / took.Seconds(), float64(peak) / (1 << 20), note, nil
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
