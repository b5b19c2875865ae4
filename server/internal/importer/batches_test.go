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

// Duplicates across batch boundaries: the batches are pipelined (the lookups of a batch run
// while the batch before is still being written), so a duplicate of the batch before is
// found in Go, of an earlier batch in the database, and of a held row through the held rows'
// keys. Whatever the batch size, a file gives the same result.
const batchedCSV = "Vorname;Nachname;E-Mail;Telefon\n" +
	"Anna;Eins;anna@example.org;\n" + // 2 new
	"Bernd;Zwei;bernd@example.org;\n" + // 3 new
	"Clara;Drei;ANNA@example.org;\n" + // 4 duplicate of 2
	"Hans;Gesperrt;gesperrt@example.org;030 5550177\n" + // 5 held: e-mail on the blacklist
	"Dora;Vier;dora@example.org;\n" + // 6 new
	"Emil;Fünf;emil@example.org;+49 30 5550177\n" + // 7 duplicate of held line 5 (phone)
	"Frieda;Sechs;frieda@example.org;\n" + // 8 new
	"Greta;Sieben;greta@example.org;\n" + // 9 new
	"Ida;Acht;Gesperrt@Example.org;\n" + // 10 duplicate of held line 5 (e-mail)
	"Jörg;Neun;bernd@example.org;\n" + // 11 duplicate of 3
	"Karl;Zehn;karl@example.org;0221 5550188\n" + // 12 new
	"Lena;Elf;;0221/5550188\n" // 13 duplicate of 12

func TestDuplicatesAcrossBatches(t *testing.T) {
	for _, tc := range []struct {
		rows   int
		filter bool
	}{{1, false}, {2, false}, {3, false}, {5, false}, {5000, false}, {2, true}, {5000, true}} {
		rows := tc.rows
		t.Run(fmt.Sprintf("batches of %d, blacklist filter %v", rows, tc.filter), func(t *testing.T) {
			s := apptest.Start(t)
			s.MustAdmin(t, &struct{}{}, `mutation { blacklistAdd(candidate: {familyName: "Gesperrt", emails: ["gesperrt@example.org"]},
				reason: "asked to be erased") { id } }`, nil)
			s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
			s.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "messe", name: "Messe", purposeKey: "newsletter"}) { id } }`, nil)

			opts := importer.Options{SpoolDir: t.TempDir(), BatchRows: rows}
			if tc.filter {
				opts.FilterMinRows = -1 // a blacklist filter whatever the file's size
			}
			svc := importer.New(s.App.DB, s.App.Keyring, opts)
			t.Cleanup(func() { svc.Stop(context.Background()) })
			list := "messe"
			j, err := svc.Start(context.Background(), graphql.Upload{File: strings.NewReader(batchedCSV), Filename: "liste.csv",
				Size: int64(len(batchedCSV))}, &list)
			if err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(60 * time.Second)
			for j.Status == "RUNNING" && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
				if j, err = svc.Job(context.Background(), j.ID); err != nil {
					t.Fatal(err)
				}
			}
			got := importer.Expect{Rows: j.Processed, Inserted: j.Inserted, Duplicates: j.Duplicates, Held: j.Held, Invalid: j.Invalid}
			if want := (importer.Expect{Rows: 12, Inserted: 6, Duplicates: 5, Held: 1}); j.Status != "NEEDS_DECISION" || got != want {
				t.Errorf("job %s %+v (message %v), want NEEDS_DECISION %+v", j.Status, got, j.Message, want)
			}
			heldRows, err := svc.HeldRows(context.Background(), j.ID)
			if err != nil {
				t.Fatal(err)
			}
			var held []int
			for _, h := range heldRows {
				held = append(held, h.Line)
			}
			if len(held) != 1 || held[0] != 5 {
				t.Errorf("held rows at lines %v, want line 5", held)
			}
			var names []string
			var c struct {
				Contacts struct {
					Edges []struct{ Node struct{ FamilyName string } }
				}
			}
			s.MustAdmin(t, &c, `{ contacts(first: 100) { edges { node { familyName } } } }`, nil)
			for _, e := range c.Contacts.Edges {
				names = append(names, e.Node.FamilyName)
			}
			if got := strings.Join(names, ","); got != "Eins,Sechs,Sieben,Vier,Zehn,Zwei" {
				t.Errorf("contacts = %s, want the 6 new rows", got)
			}
			if n := queryInt(t, s.DBURL, `SELECT count(*) FROM list_members`); n != 6 {
				t.Errorf("list members = %d, want 6", n)
			}
			if n := queryInt(t, s.DBURL, `SELECT count(*) FROM contact_phones WHERE number = '+492215550188'`); n != 1 {
				t.Errorf("Karl's phone stored %d times, want once", n)
			}
		})
	}
}
