package importer_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/importer"
)

// A job stopped at its checkpoint (a shutdown, a crash) is resumed after a person of its file
// was erased meanwhile: Erika Testfrau's first row, a duplicate of sales' record of her, was
// read before the stop; she is erased; the rest of the file, resumed by another instance's
// importer, quotes her again — her e-mail written another way, and her phone alone. Nothing of
// her comes back: both rows are held for her erasure's entry.
func TestAResumedImportHoldsTheRowsOfAPersonErasedWhileItWasStopped(t *testing.T) {
	s := apptest.Start(t)
	var sales struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	s.MustAdmin(t, &sales, `mutation { createContact(input: {givenName: "Erika", familyName: "Testfrau", emails: ["erika.testfrau@example.test"], phones: ["030 1234567"]}) { contact { id } } }`, nil)

	var file strings.Builder
	file.WriteString("Vorname;Nachname;E-Mail;Telefon\r\n")
	file.WriteString("Erika;Testfrau;Erika.Testfrau+alt@example.test;;\r\n") // line 2: a duplicate of sales' record
	file.WriteString("Erika;Testfrau;erika.andere@example.test;;\r\n")       // line 3: another Erika, shares nothing with her
	const filler = 400
	for i := range filler {
		fmt.Fprintf(&file, "Max;Füller%d;fueller%d@example.test;\r\n", i, i)
	}
	herLater := []int{4 + filler, 5 + filler}
	file.WriteString("Erika;Testfrau;ERIKA.TESTFRAU+messe@example.test;\r\n")
	file.WriteString("E.;Testfrau;;+49 30 1234567\r\n")

	spool := t.TempDir() // the second importer takes the job over from the first one's spool
	first := importer.New(s.App.DB, s.App.Keyring, importer.Options{SpoolDir: spool, BatchRows: 1})
	j, err := first.Start(context.Background(), graphql.Upload{File: strings.NewReader(file.String()), Filename: "messe.csv", Size: int64(file.Len())}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); j.Processed < 3 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
		if j, err = first.Job(context.Background(), j.ID); err != nil {
			t.Fatal(err)
		}
	}
	first.Stop(context.Background())
	if j, err = first.Job(context.Background(), j.ID); err != nil || j.Status != "RUNNING" || j.Processed >= filler {
		t.Fatalf("after the stop: %+v, %v; want RUNNING at a checkpoint before her later rows", j, err)
	}

	var erased struct {
		EraseContact struct{ ErasedContactIds []string }
	}
	s.MustAdmin(t, &erased, `mutation($id: ID!) { eraseContact(id: $id, reason: "Art. 17 per E-Mail") { erasedContactIds } }`,
		map[string]any{"id": sales.CreateContact.Contact.ID})
	if n := len(erased.EraseContact.ErasedContactIds); n != 1 {
		t.Fatalf("erased %d records, want sales' record", n)
	}

	if _, err := s.App.DB.Pool.Exec(context.Background(), `UPDATE import_jobs SET updated_at = now() - interval '1 hour' WHERE id = $1`, j.ID); err != nil {
		t.Fatal(err)
	}
	second := importer.New(s.App.DB, s.App.Keyring, importer.Options{SpoolDir: spool, BatchRows: 1})
	t.Cleanup(func() { second.Stop(context.Background()) })
	if err := second.Recover(context.Background()); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(120 * time.Second); j.Status == "RUNNING" && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		if j, err = second.Job(context.Background(), j.ID); err != nil {
			t.Fatal(err)
		}
	}
	held, err := second.HeldRows(context.Background(), j.ID)
	if err != nil {
		t.Fatal(err)
	}
	var lines []int
	for _, h := range held {
		lines = append(lines, h.Line)
	}
	if j.Status != "NEEDS_DECISION" || fmt.Sprint(lines) != fmt.Sprint(herLater) {
		t.Errorf("resumed job %s, held lines %v; want NEEDS_DECISION with her later rows %v held", j.Status, lines, herLater)
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM contacts WHERE family_name = 'Testfrau'`); n != 1 {
		t.Errorf("%d records named Testfrau after the resumed import, want the other Erika's only", n)
	}
}
