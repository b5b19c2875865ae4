package importer_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// The problems of a finished import quote what was typed; they go once the retention is over,
// while the job and its counters stay.
func TestPruneDeletesProblemsOfOldFinishedJobs(t *testing.T) {
	s := apptest.Start(t)
	csv := []byte("Vorname;Nachname;E-Mail\nErika;Mustermann;erika@example.org\nAnna;;anna@\n")
	start := func() string {
		var started struct{ StartImport struct{ ID string } }
		upload(t, s.URL, apptest.AdminToken, `mutation($file: Upload!) { startImport(file: $file) { id } }`,
			nil, "fair.csv", csv).Decode(t, &started)
		waitJob(t, s, started.StartImport.ID)
		return started.StartImport.ID
	}
	old, recent := start(), start()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `UPDATE import_jobs SET updated_at = now() - interval '31 days' WHERE id = $1`, old); err != nil {
		t.Fatal(err)
	}
	n, err := s.App.Imports.Prune(ctx)
	if err != nil || n != 2 {
		t.Fatalf("Prune: %d rows, %v; want the two problems of the old job's one invalid row", n, err)
	}
	count := func(id string) (problems, invalid int) {
		if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM import_problems WHERE job_id = $1), invalid FROM import_jobs WHERE id = $1`, id).Scan(&problems, &invalid); err != nil {
			t.Fatal(err)
		}
		return
	}
	if p, inv := count(old); p != 0 || inv != 1 {
		t.Errorf("old job: %d problems, invalid %d; want 0 problems and the counter kept", p, inv)
	}
	if p, _ := count(recent); p != 2 {
		t.Errorf("recent job: %d problems, want 2", p)
	}
}
