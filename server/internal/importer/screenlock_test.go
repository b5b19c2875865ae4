package importer_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/importer"
)

// A person blacklisted after their batch was screened, but before it commits, is held, not
// imported: the batch checks the blacklist again under the blacklist lock before committing.
func TestBlacklistedWhileTheBatchIsWritten(t *testing.T) {
	s := apptest.Start(t)
	var once sync.Once
	defer importer.SetAfterLookup(func() {
		once.Do(func() {
			s.MustAdmin(t, &struct{}{}, `mutation { blacklistAdd(candidate: {familyName: "Mustermann", emails: ["erika.mustermann@example.org"]},
				reason: "asked to be erased during the import") { id } }`, nil)
		})
	})()

	const file = "Vorname;Nachname;E-Mail\nErika;Mustermann;erika.mustermann@example.org\nMax;Musterfrau;max.musterfrau@example.org\n"
	svc := importer.New(s.App.DB, s.App.Keyring, importer.Options{SpoolDir: t.TempDir()})
	t.Cleanup(func() { svc.Stop(context.Background()) })
	j, err := svc.Start(context.Background(), graphql.Upload{File: strings.NewReader(file), Filename: "messe.csv", Size: int64(len(file))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := waitJob(t, s, j.ID)
	if got.Status != "NEEDS_DECISION" || got.Inserted != 1 || got.Held != 1 {
		t.Errorf("job %s, inserted %d, held %d; want NEEDS_DECISION with Max inserted and Erika held", got.Status, got.Inserted, got.Held)
	}
	if len(got.HeldRows) != 1 || got.HeldRows[0].Line != 2 || got.HeldRows[0].Entry.Reason != "asked to be erased during the import" {
		t.Errorf("held rows %+v, want line 2 held for the new entry", got.HeldRows)
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM contact_emails WHERE normalized = 'erika.mustermann@example.org'`); n != 0 {
		t.Errorf("Erika was imported as a contact (%d e-mail rows)", n)
	}
}
