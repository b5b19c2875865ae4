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

// A duplicate row that ties a person already on file to her blacklisted phone: Petra Probe
// objected by phone (a manual entry for her number); the records staff entered of her earlier
// (createContact) hold her e-mail, not that phone, and she is a newsletter recipient. A fair's
// file repeats her e-mail with the phone. The row is dropped as a duplicate (the phone is not
// stored on her record), but the entry says that person objected: every record of her person —
// also one that shares only a phone with the record the row names — is blocked by the entry,
// and the row's line says so.
func TestADuplicateRowTiesHerExistingRecordsToHerBlacklistedPhone(t *testing.T) {
	for name, tc := range map[string]struct {
		records []string // the records of her person, as createContact inputs
		consent string   // the row's Einwilligung
	}{
		"her record":                            {[]string{`{givenName: "Petra", familyName: "Probe", emails: ["petra.probe@example.test"]}`}, "ja"},
		"her record, the row states no consent": {[]string{`{givenName: "Petra", familyName: "Probe", emails: ["petra.probe@example.test"]}`}, ""},
		"her two records": {[]string{
			`{givenName: "Petra", familyName: "Probe", emails: ["petra.probe@example.test"], phones: ["+49 89 7654321"]}`,
			`{givenName: "Petra", familyName: "Probe", organization: "Vertrieb", emails: ["p.probe@example.test"], phones: ["089 7654321"]}`,
		}, "ja"},
	} {
		t.Run(name, func(t *testing.T) {
			s := apptest.Start(t)
			s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
			s.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news", name: "Newsletter", purposeKey: "newsletter"}) { id } }`, nil)
			var ids []string
			for _, in := range tc.records {
				var out struct {
					CreateContact struct{ Contact struct{ ID string } }
				}
				s.MustAdmin(t, &out, `mutation { createContact(input: `+in+`) { contact { id } } }`, nil)
				id := out.CreateContact.Contact.ID
				s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { addToList(contactId: $c, listKey: "news") { id } }`, map[string]any{"c": id})
				s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { recordConsent(input: {contactId: $c, purposeKey: "newsletter", source: "web form", evidence: "form v3"}) { id } }`,
					map[string]any{"c": id})
				ids = append(ids, id)
			}
			var entry struct{ BlacklistAdd struct{ ID string } }
			s.MustAdmin(t, &entry, `mutation { blacklistAdd(candidate: {phones: ["+49 30 1234567"]}, reason: "Widerspruch am Telefon") { id } }`, nil)

			file := "Vorname;Nachname;E-Mail;Telefon;Einwilligung\r\n" +
				"Petra;Probe;Petra.Probe@example.test;030/123 45-67;" + tc.consent + "\r\n"
			var started struct{ StartImport job }
			upload(t, s.URL, apptest.AdminToken, startImport, map[string]any{"list": "news"}, "messe.csv", []byte(file)).Decode(t, &started)
			j := waitJob(t, s, started.StartImport.ID)

			var r struct {
				Recipients struct {
					Edges []struct{ Node struct{ ID string } }
				}
			}
			s.MustAdmin(t, &r, `{ recipients(listKey: "news", first: 100) { edges { node { id } } } }`, nil)
			for i, id := range ids {
				var c struct{ Contact struct{ Blocked bool } }
				s.MustAdmin(t, &c, `query($id: ID!) { contact(id: $id) { blocked } }`, map[string]any{"id": id})
				if !c.Contact.Blocked {
					t.Errorf("her record %d is not blocked after a file tied her e-mail to her blacklisted phone (job %s: %d inserted, %d duplicates, %d held; problems %+v)",
						i+1, j.Status, j.Inserted, j.Duplicates, j.Held, j.Problems)
				}
				for _, e := range r.Recipients.Edges {
					if e.Node.ID == id {
						t.Errorf("her record %d is a newsletter recipient after a file tied her e-mail to her blacklisted phone", i+1)
					}
				}
				if n := queryInt(t, s.DBURL, `SELECT count(*) FROM events WHERE kind = 'CONTACT_BLOCKED' AND contact_id = $1 AND ref = $2`,
					id, entry.BlacklistAdd.ID); n != 1 {
					t.Errorf("her record %d: %d CONTACT_BLOCKED events naming the entry, want 1", i+1, n)
				}
			}
			said := false
			for _, p := range j.Problems {
				said = said || p.Line == 2 && p.Code == "CONTACT_BLOCKED"
			}
			if j.Duplicates != 1 || !said {
				t.Errorf("job: %d duplicates, problems %+v; want 1 and CONTACT_BLOCKED on line 2", j.Duplicates, j.Problems)
			}
		})
	}
}

// Her record on file, her first row of the file a duplicate of it in one batch, her later row
// with her blacklisted phone in a later batch (a duplicate of that first row, not of a record
// this job wrote): her record on file is blocked all the same.
func TestHerLaterRowInAnotherBatchTiesHerRecordOnFile(t *testing.T) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news", name: "Newsletter", purposeKey: "newsletter"}) { id } }`, nil)
	var out struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	s.MustAdmin(t, &out, `mutation { createContact(input: {givenName: "Petra", familyName: "Probe", emails: ["petra.probe@example.test"]}) { contact { id } } }`, nil)
	id := out.CreateContact.Contact.ID
	s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { addToList(contactId: $c, listKey: "news") { id } }`, map[string]any{"c": id})
	s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { recordConsent(input: {contactId: $c, purposeKey: "newsletter", source: "web form", evidence: "form v3"}) { id } }`,
		map[string]any{"c": id})
	s.MustAdmin(t, &struct{}{}, `mutation { blacklistAdd(candidate: {phones: ["+49 30 1234567"]}, reason: "Widerspruch am Telefon") { id } }`, nil)

	file := "Vorname;Nachname;E-Mail;Telefon;Einwilligung\r\n" +
		"Petra;Probe;Petra.Probe@example.test;;ja\r\n" +
		"Petra;Probe;petra.probe+messe@example.test;030/123 45-67;ja\r\n"
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
	on3 := false
	for _, p := range problems {
		said = append(said, fmt.Sprintf("line %d %s: %s", p.Line, p.Code, p.Message))
		on3 = on3 || p.Line == 3 && p.Code == "CONTACT_BLOCKED"
	}
	var c struct{ Contact struct{ Blocked bool } }
	s.MustAdmin(t, &c, `query($id: ID!) { contact(id: $id) { blocked } }`, map[string]any{"id": id})
	if !c.Contact.Blocked {
		t.Errorf("her record on file is not blocked after her later row tied her e-mail to her blacklisted phone (job %s: %d inserted, %d duplicates, %d held; problems %q)",
			j.Status, j.Inserted, j.Duplicates, j.Held, said)
	}
	if !on3 {
		t.Errorf("line 3 (her blacklisted phone) does not say CONTACT_BLOCKED: problems %q", said)
	}
}

// A record the entry sets apart as someone else stays unblocked: Petra Probe's objection was
// recorded on her record with her husband's record kept apart (blacklistContact keep: the
// family's phone is on both). A file's row holds her e-mail, her second address (on a record
// not known as hers until now) and the family's phone. Her second record is tied to the entry
// by the row; her husband's record, which shares only the phone with it, is not.
func TestADuplicateRowLeavesTheRecordHerEntryKeepsApart(t *testing.T) {
	s := apptest.Start(t)
	mk := func(in string) string {
		var out struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		s.MustAdmin(t, &out, `mutation { createContact(input: `+in+`) { contact { id } } }`, nil)
		return out.CreateContact.Contact.ID
	}
	hers := mk(`{givenName: "Petra", familyName: "Probe", emails: ["petra.probe@example.test"], phones: ["+49 89 7654321"]}`)
	husband := mk(`{givenName: "Paul", familyName: "Probe", emails: ["paul.probe@example.test"], phones: ["089 7654321"]}`)
	second := mk(`{givenName: "Petra", familyName: "Probe", organization: "Verein", emails: ["kasse@verein.example.test"]}`)
	var entry struct{ BlacklistContact struct{ ID string } }
	s.MustAdmin(t, &entry, `mutation($c: ID!, $k: [ID!]) { blacklistContact(contactId: $c, reason: "Widerspruch Werbung", keep: $k) { id } }`,
		map[string]any{"c": hers, "k": []string{husband}})

	file := "Vorname;Nachname;E-Mail;Telefon\r\n" +
		"Petra;Probe;\"petra.probe@example.test, kasse@verein.example.test\";089 7654321\r\n"
	var started struct{ StartImport job }
	upload(t, s.URL, apptest.AdminToken, startImport, nil, "verein.csv", []byte(file)).Decode(t, &started)
	j := waitJob(t, s, started.StartImport.ID)

	for _, tc := range []struct {
		name, id string
		want     bool
	}{{"her record", hers, true}, {"her second record", second, true}, {"her husband's record", husband, false}} {
		var c struct{ Contact struct{ Blocked bool } }
		s.MustAdmin(t, &c, `query($id: ID!) { contact(id: $id) { blocked } }`, map[string]any{"id": tc.id})
		if c.Contact.Blocked != tc.want {
			t.Errorf("%s: blocked %v, want %v (job: %d duplicates, problems %+v)", tc.name, c.Contact.Blocked, tc.want, j.Duplicates, j.Problems)
		}
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM contact_restrictions WHERE entry_id = $1 AND contact_id = $2`,
		entry.BlacklistContact.ID, second); n != 1 {
		t.Errorf("her second record is restricted by the entry %d times, want 1", n)
	}
	said := false
	for _, p := range j.Problems {
		said = said || p.Line == 2 && p.Code == "CONTACT_BLOCKED"
	}
	if !said {
		t.Errorf("line 2 does not say CONTACT_BLOCKED: %+v", j.Problems)
	}
}
