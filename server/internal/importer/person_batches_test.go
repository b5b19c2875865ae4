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

// Her two rows of one file in different batches: Erika Testfrau objected by phone (a manual
// entry for her number). A fair's file, imported into the newsletter list with "ja", has her
// e-mail on an early line and, on a later one (another batch), her e-mail written another way
// with that phone. In one batch her first row is held (TestTwoRowsOfOnePersonAreHeld…); across
// batches her first row is committed with the import's consent before her second is read —
// the batch size must not decide whether she is mailed. Her record must not be a recipient,
// and the job says what became of her later line.
func TestHerLaterRowInAnotherBatchKeepsHerBlacklistedPhoneFromBeingMailed(t *testing.T) {
	filler := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "Max;Füller%d;fueller%d@example.test;;\r\n", i, i)
		}
		return b.String()
	}
	for name, tc := range map[string]struct {
		between int // rows between her two: 0 keeps them in the reader's window, 6 puts her later row past it
	}{"next batch": {0}, "batches later": {6}} {
		t.Run(name, func(t *testing.T) {
			s := apptest.Start(t)
			s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
			s.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news", name: "Newsletter", purposeKey: "newsletter"}) { id } }`, nil)
			s.MustAdmin(t, &struct{}{}, `mutation { blacklistAdd(candidate: {phones: ["+49 30 1234567"]}, reason: "Widerspruch am Telefon") { id } }`, nil)
			file := "Vorname;Nachname;E-Mail;Telefon;Einwilligung\r\n" +
				"Erika;Testfrau;Erika.Testfrau@example.test;;ja\r\n" +
				filler(tc.between) +
				"Erika;Testfrau;erika.testfrau+messe@example.test;030/123 45-67;ja\r\n"
			later := 3 + tc.between

			svc := importer.New(s.App.DB, s.App.Keyring, importer.Options{SpoolDir: t.TempDir(), BatchRows: 1})
			t.Cleanup(func() { svc.Stop(context.Background()) })
			list := "news"
			j, err := svc.Start(context.Background(), graphql.Upload{File: strings.NewReader(file), Filename: "messe.csv", Size: int64(len(file))}, &list)
			if err != nil {
				t.Fatal(err)
			}
			for deadline := time.Now().Add(60 * time.Second); j.Status == "RUNNING" && time.Now().Before(deadline); {
				time.Sleep(20 * time.Millisecond)
				if j, err = svc.Job(context.Background(), j.ID); err != nil {
					t.Fatal(err)
				}
			}
			problems, err := svc.Problems(context.Background(), j.ID)
			if err != nil {
				t.Fatal(err)
			}
			var said []string
			for _, p := range problems {
				said = append(said, fmt.Sprintf("line %d %s: %s", p.Line, p.Code, p.Message))
			}
			var r struct {
				Recipients struct {
					Edges []struct{ Node struct{ FamilyName string } }
				}
			}
			s.MustAdmin(t, &r, `{ recipients(listKey: "news", first: 100) { edges { node { familyName } } } }`, nil)
			for _, e := range r.Recipients.Edges {
				if e.Node.FamilyName == "Testfrau" {
					t.Errorf("her record is a newsletter recipient after a file tied her e-mail to her blacklisted phone (job %s: %d inserted, %d duplicates, %d held; problems %q)",
						j.Status, j.Inserted, j.Duplicates, j.Held, said)
				}
			}
			reported := false
			for _, p := range problems {
				reported = reported || p.Line == later
			}
			if !reported && j.Held == 0 {
				t.Errorf("line %d (her blacklisted phone) is neither held nor reported: problems %q", later, said)
			}
		})
	}
}
