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
	const rows = 30_000
	file, _ := generated(t, rows, 7)
	var started struct{ StartImport job }
	upload(t, s.URL, apptest.AdminToken, startImport, nil, "gross.csv", file).Decode(t, &started)
	j := waitJob(t, s, started.StartImport.ID)
	if j.Status != "DONE" || j.Inserted < rows/2 {
		t.Fatalf("import: %s, %d inserted", j.Status, j.Inserted)
	}
	contacts := queryInt(t, s.DBURL, `SELECT count(*) FROM contacts`)
	var out struct{ Contacts struct{ TotalCount int } }
	s.MustAdmin(t, &out, `{ contacts(first: 1) { totalCount } }`, nil)
	if got := out.Contacts.TotalCount; math.Abs(float64(got-contacts)) > 0.05*float64(contacts) {
		t.Errorf("totalCount right after importing %d contacts: %d, more than 5 %% off", contacts, got)
	}
}
