package importer_test

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/importer"
)

// Two instances share the database and the data directory (a shared volume). An import
// started on the second instance after the first one started, and then killed with it, must
// be taken over by the first, still running instance from the last committed batch, and end
// once, without a row imported twice: the first must not wait for a restart to notice.
func TestRedTeamImportOfADeadInstanceIsAdoptedByALiveOne(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the server")
	}
	e := newProcessEnv(t)
	const rows = 60_000
	conn, err := pgx.Connect(t.Context(), e.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	if _, err := importer.SeedBlacklist(t.Context(), conn, e.keyring(t), rows, 3, 1000); err != nil {
		t.Fatal(err)
	}
	file, want := generated(t, rows, 3)
	b := serve(t, e)
	a := serve(t, e)
	id := killMidImport(t, e, a, file, rows)

	deadline := time.Now().Add(90 * time.Second)
	var j job
	for {
		var q struct{ ImportJob job }
		b.server().MustAdmin(t, &q, `query($id: ID!) { importJob(id: $id) { `+jobFields+` } }`, map[string]any{"id": id})
		if j = q.ImportJob; j.Status != "RUNNING" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("import job of the killed instance still RUNNING (%d of %d rows) on the live instance after 90 s; want it taken over and finished",
				j.Processed, j.Total)
		}
		time.Sleep(50 * time.Millisecond)
	}
	got := importer.Expect{Rows: j.Processed, Inserted: j.Inserted, Duplicates: j.Duplicates, Held: j.Held, Invalid: j.Invalid}
	if j.Status != "NEEDS_DECISION" || got != want {
		t.Errorf("adopted job: %s %+v, want NEEDS_DECISION %+v", j.Status, got, want)
	}
	if n := queryInt(t, e.dbURL, `SELECT count(*) FROM contacts`); n != want.Inserted {
		t.Errorf("%d contacts after the adopted import, want %d", n, want.Inserted)
	}
	if n := queryInt(t, e.dbURL, `SELECT count(*) FROM (SELECT normalized FROM contact_emails GROUP BY normalized HAVING count(*) > 1) d`); n != 0 {
		t.Errorf("%d e-mail addresses are stored twice", n)
	}
}

// An instance that starts while another has an import waiting for its turn (one job runs at a
// time per instance) must leave that job alone: it is not interrupted, and this instance
// cannot read its file (another data directory). Taking it over failed the job.
func TestRedTeamStartingInstanceLeavesAnotherInstancesQueuedImportAlone(t *testing.T) {
	a := apptest.Start(t)
	big, _ := generated(t, 60_000, 4)
	first := startJob(t, a, "gross.csv", big)
	queued := startJob(t, a, "klein.csv", []byte("Vorname;Nachname;E-Mail\nErika;Testfrau;erika.testfrau@example.org\nHans;Beispiel;hans.beispiel@example.org\n"))
	var q struct{ ImportJob job }
	a.MustAdmin(t, &q, `query($id: ID!) { importJob(id: $id) { `+jobFields+` } }`, map[string]any{"id": first})
	if q.ImportJob.Status != "RUNNING" {
		t.Fatalf("the first import ended (%+v) before the second instance started; make the file bigger", q.ImportJob)
	}

	apptest.StartOn(t, a.DBURL) // its own data directory, as without a shared volume
	waitJob(t, a, first)
	if j := waitJob(t, a, queued); j.Status != "DONE" || j.Inserted != 2 {
		t.Errorf("the queued import after another instance started: %s, %d inserted %+v; want DONE with 2 inserted", j.Status, j.Inserted, j.Problems)
	}
}

func startJob(t *testing.T, s *apptest.Server, name string, content []byte) string {
	t.Helper()
	var started struct{ StartImport struct{ ID string } }
	apptest.Upload(t, s.URL, apptest.AdminToken, `mutation($file: Upload!) { startImport(file: $file) { id } }`, nil, name, content).Decode(t, &started)
	return started.StartImport.ID
}
