package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"github.com/vermerk/vermerk/server/internal/importer"
)

// The import's floor: what the database alone needs to store what an import stored, in the
// same tables with the same indexes, constraints and triggers, written as the importer writes
// them (binary COPY, batches of its size, its writers' number of connections, its session
// settings), with no server, CSV, normalising, hashing, screening or lookups. No import that
// writes these tables can be faster on the machine, so its ratio against the bare COPY is
// what the import_rps target asks of the database's side alone.

// floorTables are the tables an import stores its rows in, in the order a batch writes them,
// each with the columns the importer copies and the column that ties a row to its contact.
var floorTables = func() []floorTable {
	var ts []floorTable
	for _, t := range importer.StoredTables() {
		contact := "contact_id"
		if t.Name == "contacts" {
			contact = "id"
		}
		ts = append(ts, floorTable{name: t.Name, columns: strings.Join(t.Columns, ", "), contact: contact})
	}
	return ts
}()

type floorTable struct{ name, columns, contact string }

// storedRows is one batch of stored rows: the binary COPY data of each floorTables table.
type storedRows [][]byte

// importFloor stores the rows the import stored in db again (readStored, then writeStored on
// importer.Writers connections) and returns the rate over the file's rows and a note with the
// rows of each table and the database's CPU and WAL per file row.
func (b *bench) importFloor(ctx context.Context, db string) (rowsPerSec float64, note string, err error) {
	dbURL := b.cluster.ConnString(db)
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return 0, "", err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	batchContacts := importer.DefaultBatchRows
	b.progress("import floor: read what the import stored, empty the tables, store it again")
	batches, rows, err := readStored(ctx, conn, batchContacts)
	if err != nil {
		return 0, "", err
	}
	if _, err := conn.Exec(ctx, `TRUNCATE contacts CASCADE`); err != nil { // and every table that refers to contacts
		return 0, "", err
	}
	b.quiesce(ctx)
	watched := b.watchAutovacuum(ctx)
	m, wal0 := b.meter(nil), b.walStats(ctx)
	took, err := writeAll(ctx, dbURL, batches, importer.Writers)
	vacuums := watched()
	if err != nil {
		return 0, "", err
	}
	_, dbCPU := m.used()
	for k, t := range floorTables {
		var n int64
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM `+t.name).Scan(&n); err != nil {
			return 0, "", err
		}
		if n != rows[k] {
			return 0, "", fmt.Errorf("import floor: %s holds %d rows after storing %d", t.name, n, rows[k])
		}
	}
	fileRows := b.file.expect.Rows
	stored := make([]string, len(floorTables))
	for k, t := range floorTables {
		stored[k] = fmt.Sprintf("%d rows of %s", rows[k], t.name)
	}
	note = fmt.Sprintf("%s in batches of %d contacts on %d connections; CPU per row: database %s µs",
		strings.Join(stored, ", "), batchContacts, importer.Writers, num(perOp(dbCPU, fileRows)))
	if wal := b.walStats(ctx).since(wal0, fileRows); wal != "" {
		note += "; " + wal
	}
	note = join(note, autovacuumNote(vacuums))
	b.progress("import floor: %s in %s", note, took.Round(time.Millisecond))
	return float64(fileRows) / took.Seconds(), note, nil
}

// writeAll writes the batches on conns connections of their own to dbURL at once (writeStored)
// and returns how long that took.
func writeAll(ctx context.Context, dbURL string, batches []storedRows, conns int) (time.Duration, error) {
	writers := make([]*pgx.Conn, conns)
	for i := range writers {
		c, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			return 0, err
		}
		defer c.Close(context.WithoutCancel(ctx))
		writers[i] = c
	}
	next := make(chan storedRows)
	g, gctx := errgroup.WithContext(ctx)
	t0 := time.Now()
	for _, w := range writers {
		g.Go(func() error {
			for batch := range next {
				if err := writeStored(gctx, w, batch); err != nil {
					return err
				}
			}
			return nil
		})
	}
	g.Go(func() error {
		defer close(next)
		for _, batch := range batches {
			select {
			case next <- batch:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return 0, fmt.Errorf("store the rows again: %w", err)
	}
	return time.Since(t0), nil
}

// readStored reads the floorTables' rows as binary COPY data, one storedRows per batch of
// batchContacts contacts, and counts them.
func readStored(ctx context.Context, conn *pgx.Conn, batchContacts int) ([]storedRows, []int64, error) {
	// the first id of every batch; the last batch runs to the end
	q, err := conn.Query(ctx, `SELECT id::text FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM contacts) s
		WHERE n % $1 = 1 ORDER BY id`, batchContacts)
	if err != nil {
		return nil, nil, fmt.Errorf("batch bounds: %w", err)
	}
	bounds, err := pgx.CollectRows(q, pgx.RowTo[string])
	if err != nil {
		return nil, nil, fmt.Errorf("batch bounds: %w", err)
	}
	rows := make([]int64, len(floorTables))
	batches := make([]storedRows, len(bounds))
	for i, lo := range bounds {
		batches[i] = make(storedRows, len(floorTables))
		for k, t := range floorTables {
			in := fmt.Sprintf("%s >= '%s'", t.contact, lo)
			if i+1 < len(bounds) {
				in += fmt.Sprintf(" AND %s < '%s'", t.contact, bounds[i+1])
			}
			var buf bytes.Buffer
			tag, err := conn.PgConn().CopyTo(ctx, &buf, fmt.Sprintf("COPY (SELECT %s FROM %s WHERE %s ORDER BY %s) TO STDOUT (FORMAT binary)",
				t.columns, t.name, in, t.contact))
			if err != nil {
				return nil, nil, fmt.Errorf("read %s: %w", t.name, err)
			}
			batches[i][k] = buf.Bytes()
			rows[k] += tag.RowsAffected()
		}
	}
	return batches, rows, nil
}

// writeStored writes one batch in one transaction, as importer.writeRows does for an import's
// batch whose rows are all new.
func writeStored(ctx context.Context, conn *pgx.Conn, batch storedRows) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica; SET LOCAL vermerk.identifiers_screened = on`); err != nil {
		return err
	}
	for k, t := range floorTables {
		if _, err := tx.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(batch[k]),
			"COPY "+t.name+" ("+t.columns+") FROM STDIN (FORMAT binary)"); err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
	}
	return tx.Commit(ctx)
}
