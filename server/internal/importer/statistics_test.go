package importer_test

import (
	"math"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// totalCount above the exact limit is the planner's estimate, read from the table statistics.
// Right after a big import into an empty database they did not know of the new rows yet
// (autovacuum refreshes them a minute or more later): 300,000 contacts were counted as 119,830.
// The import refreshes them when it has grown the tables by a tenth or more.
func TestTotalCountIsRightJustAfterABigImport(t *testing.T) {
	s := apptest.Start(t)
	importGenerated(t, s, 30_000, 7)
	contacts := queryInt(t, s.DBURL, `SELECT count(*) FROM contacts`)
	var out struct{ Contacts struct{ TotalCount int } }
	s.MustAdmin(t, &out, `{ contacts(first: 1) { totalCount } }`, nil)
	if got := out.Contacts.TotalCount; math.Abs(float64(got-contacts)) > 0.05*float64(contacts) {
		t.Errorf("totalCount right after importing %d contacts: %d, more than 5 %% off", contacts, got)
	}
}

// Staff who save while a big import runs are served by plans made on the table statistics:
// left as they were before an import into a young database (empty), the planner took a hundred
// thousand e-mails for a few, and a save's lookups read whole tables or were compiled (JIT) for
// tens of milliseconds. The import refreshes them while it more than doubles the contacts.
func TestStatisticsAreRefreshedWhileABigImportRuns(t *testing.T) {
	s := apptest.Start(t)
	j := importGenerated(t, s, 60_000, 11)
	// one ANALYZE when the import is done, and at least one while it ran
	for _, table := range []string{"contacts", "contact_emails", "contact_phones"} {
		if n := queryInt(t, s.DBURL, `SELECT analyze_count FROM pg_stat_user_tables WHERE relname = $1`, table); n < 2 {
			t.Errorf("%s analysed %d times during and after an import of %d contacts into an empty database, want 2 or more", table, n, j.Inserted)
		}
	}
}

// importGenerated imports a generated file of rows rows into s as ADMIN and waits for the job,
// which must end DONE with at least half the rows inserted.
func importGenerated(t *testing.T, s *apptest.Server, rows int, seed int64) job {
	t.Helper()
	file, _ := generated(t, rows, seed)
	var started struct{ StartImport job }
	upload(t, s.URL, apptest.AdminToken, startImport, nil, "gross.csv", file).Decode(t, &started)
	j := waitJob(t, s, started.StartImport.ID)
	if j.Status != "DONE" || j.Inserted < rows/2 {
		t.Fatalf("import of %d generated rows: %s, %d inserted, want DONE and half or more", rows, j.Status, j.Inserted)
	}
	return j
}
