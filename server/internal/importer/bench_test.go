package importer_test

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/importer"
)

// TestImportThroughput imports a generated file in process and reports rows/s; set
// VERMERK_IMPORT_ROWS (e.g. 1000000) to run it.
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
	var buf bytes.Buffer
	want, err := importer.GenerateCSV(&buf, n, 7)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	j, err := s.App.Imports.Start(ctx, graphql.Upload{File: bytes.NewReader(buf.Bytes()), Filename: "bench.csv", Size: int64(buf.Len())}, nil)
	if err != nil {
		t.Fatal(err)
	}
	samples := map[string]int{}
	for {
		rows, _ := conn.Query(ctx, `SELECT left(regexp_replace(query, '\s+', ' ', 'g'), 60) FROM pg_stat_activity WHERE state = 'active' AND datname = current_database() AND pid <> pg_backend_pid()`)
		qs, _ := pgx.CollectRows(rows, pgx.RowTo[string])
		for _, q := range qs {
			samples[q]++
		}
		time.Sleep(20 * time.Millisecond)
		if j, err = s.App.Imports.Job(ctx, j.ID); err != nil {
			t.Fatal(err)
		}
		if j.Status != "RUNNING" {
			break
		}
	}
	d := time.Since(start)
	t.Logf("%d rows in %v: %.0f rows/s; status %s inserted %d dup %d held %d invalid %d (want %+v)", j.Processed, d,
		float64(j.Processed)/d.Seconds(), j.Status, j.Inserted, j.Duplicates, j.Held, j.Invalid, want)
	for q, c := range samples {
		t.Logf("%5d %s", c, q)
	}
}
