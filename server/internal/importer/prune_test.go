package importer_test

import (
	"context"
	"strings"
	"testing"

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
	conn := s.Conn(t)
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

// Rows held for a decision quote what was typed too: a job left waiting longer than
// VERMERK_HELD_RETENTION loses them (dropped undecided, the job DONE, audited), while a job
// decided on recently keeps them.
func TestPruneExpiresHeldRowsOfUndecidedJobs(t *testing.T) {
	s := apptest.Start(t)
	seedOffice(t, s)
	start := func() string {
		var started struct{ StartImport job }
		upload(t, s.URL, apptest.AdminToken, startImport, nil, "Messe.csv", windows1252(t, officeCSV)).Decode(t, &started)
		// lines 6 (e-mail), 7 (phone) and 10 (name and address) match the blacklist
		if j := waitJob(t, s, started.StartImport.ID); j.Status != "NEEDS_DECISION" || j.Held != 3 {
			t.Fatalf("job %s with %d held, want NEEDS_DECISION with 3", j.Status, j.Held)
		}
		return started.StartImport.ID
	}
	old, recent := start(), start()
	ctx := context.Background()
	conn := s.Conn(t)
	if _, err := conn.Exec(ctx, `UPDATE import_jobs SET updated_at = now() - interval '31 days' WHERE id = $1`, old); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Imports.Prune(ctx); err != nil {
		t.Fatal(err)
	}

	var q struct{ ImportJob job }
	s.MustAdmin(t, &q, `query($id: ID!) { importJob(id: $id) { `+jobFields+` } }`, map[string]any{"id": old})
	j := q.ImportJob
	if j.Status != "DONE" || j.Held != 0 || len(j.HeldRows) != 0 || len(j.Problems) != 0 || j.Inserted != 3 || j.Message == nil {
		t.Errorf("expired job = %s held %d (%d rows), %d problems, %d inserted, message %v; want DONE, nothing held or listed, counters kept",
			j.Status, j.Held, len(j.HeldRows), len(j.Problems), j.Inserted, j.Message)
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM import_held WHERE job_id = $1`, old); n != 0 {
		t.Errorf("%d held rows of the expired job remain in the database", n)
	}
	var outcome string
	if err := conn.QueryRow(ctx, `SELECT outcome FROM audit_log WHERE operation = 'expireImport' AND target_id = $1`, old).Scan(&outcome); err != nil ||
		!strings.Contains(outcome, "3 held rows dropped undecided") {
		t.Errorf("audit of the expiry: %q, %v", outcome, err)
	}

	s.MustAdmin(t, &q, `query($id: ID!) { importJob(id: $id) { `+jobFields+` } }`, map[string]any{"id": recent})
	if j := q.ImportJob; j.Status != "NEEDS_DECISION" || len(j.HeldRows) != 3 || len(j.Problems) != 2 {
		t.Errorf("recent job = %s, %d held rows, %d problems; want it untouched", j.Status, len(j.HeldRows), len(j.Problems))
	}
}
