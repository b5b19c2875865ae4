package importer_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// A row that matches the blacklist writes nothing without a decision (DESIGN rule 6), also
// when it is a duplicate: Erika Testfrau objected by phone (a manual entry for her number);
// marketing's record of her holds her e-mail only. A fair's list quotes her e-mail with that
// phone, written another way, and a consent for the newsletter list. The row is a duplicate of
// marketing's record by e-mail — and matches her objection by phone: its consent must not be
// recorded on the record, which would make her a recipient again.
func TestADuplicateRowMatchingTheBlacklistRecordsNoConsent(t *testing.T) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news", name: "Newsletter", purposeKey: "newsletter"}) { id } }`, nil)
	var marketing struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	s.MustAdmin(t, &marketing, `mutation { createContact(input: {givenName: "Erika", familyName: "Testfrau", emails: ["erika.testfrau@example.test"]}) { contact { id } } }`, nil)
	id := marketing.CreateContact.Contact.ID
	s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { addToList(contactId: $c, listKey: "news") { id } }`, map[string]any{"c": id})
	s.MustAdmin(t, &struct{}{}, `mutation { blacklistAdd(candidate: {phones: ["+49 30 1234567"]}, reason: "Widerspruch am Telefon") { id } }`, nil)

	lastWeek := time.Now().AddDate(0, 0, -7).UTC().Format("02.01.2006")
	file := "Vorname;Nachname;E-Mail;Telefon;Einwilligung;Einwilligungsdatum\r\n" +
		"Erika;Testfrau;Erika.Testfrau+messe@example.test;030/123 45-67;ja;" + lastWeek + "\r\n"
	var started struct{ StartImport job }
	upload(t, s.URL, apptest.AdminToken, startImport, map[string]any{"list": "news"}, "messe.csv", []byte(file)).Decode(t, &started)
	j := waitJob(t, s, started.StartImport.ID)

	var c struct {
		Contact struct{ Consents []struct{ Status string } }
	}
	s.MustAdmin(t, &c, `query($id: ID!) { contact(id: $id) { consents { status } } }`, map[string]any{"id": id})
	for _, cs := range c.Contact.Consents {
		if cs.Status == "GRANTED" {
			t.Errorf("marketing's record got the newsletter granted from a row that matches her objection by phone (job: %d duplicates, %d held, problems %+v)",
				j.Duplicates, j.Held, j.Problems)
		}
	}
	var r struct {
		Recipients struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	s.MustAdmin(t, &r, `{ recipients(listKey: "news") { edges { node { id } } } }`, nil)
	if slices.ContainsFunc(r.Recipients.Edges, func(e struct{ Node struct{ ID string } }) bool { return e.Node.ID == id }) {
		t.Errorf("recipients include marketing's record after the import of a row matching her objection")
	}
	lines := map[int]bool{}
	for _, p := range j.Problems {
		lines[p.Line] = true
	}
	if !lines[2] && j.Held == 0 {
		t.Errorf("line 2 is neither held nor reported: %+v", j)
	}
}

// Two rows of one file are one person when they share an e-mail (written two ways here), and
// the later one is a duplicate of the earlier. When her second row holds her blacklisted phone,
// her first row is held as her first row would be had it held the phone itself: the file's
// order does not decide whether she is imported and mailed. The row so held needs a written
// reason to be accepted while the entry holds, though it matches nothing itself.
func TestTwoRowsOfOnePersonAreHeldWhicheverHoldsTheBlacklistedPhone(t *testing.T) {
	for name, file := range map[string]string{
		"blacklisted row first": "Vorname;Nachname;E-Mail;Telefon;Einwilligung\r\n" +
			"Erika;Testfrau;Erika.Testfrau@example.test;030/123 45-67;ja\r\n" +
			"Erika;Testfrau;erika.testfrau+messe@example.test;;ja\r\n",
		"blacklisted row second": "Vorname;Nachname;E-Mail;Telefon;Einwilligung\r\n" +
			"Erika;Testfrau;erika.testfrau+messe@example.test;;ja\r\n" +
			"Erika;Testfrau;Erika.Testfrau@example.test;0049301234567;ja\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			s := apptest.Start(t)
			s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
			s.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news", name: "Newsletter", purposeKey: "newsletter"}) { id } }`, nil)
			s.MustAdmin(t, &struct{}{}, `mutation { blacklistAdd(candidate: {phones: ["+49 30 1234567"]}, reason: "Widerspruch am Telefon") { id } }`, nil)
			var started struct{ StartImport job }
			upload(t, s.URL, apptest.AdminToken, startImport, map[string]any{"list": "news"}, "messe.csv", []byte(file)).Decode(t, &started)
			j := waitJob(t, s, started.StartImport.ID)
			if got := [3]int{j.Inserted, j.Duplicates, j.Held}; got != [3]int{0, 1, 1} || len(j.HeldRows) != 1 || j.HeldRows[0].Line != 2 {
				t.Fatalf("inserted/duplicates/held = %v, held rows %+v; want her first row held and her second a duplicate of it", got, j.HeldRows)
			}
			var r struct {
				Recipients struct {
					Edges []struct{ Node struct{ ID string } }
				}
			}
			s.MustAdmin(t, &r, `{ recipients(listKey: "news") { edges { node { id } } } }`, nil)
			if len(r.Recipients.Edges) != 0 {
				t.Fatalf("recipients after the import: %+v", r.Recipients.Edges)
			}
			res := s.Admin(t, decide, map[string]any{"job": j.ID, "line": 2, "accept": true})
			if codes := res.ErrorCodes(); len(codes) != 1 || codes[0] != "BAD_USER_INPUT" {
				t.Fatalf("accepting her held row without a reason while the entry holds: errors %v, want BAD_USER_INPUT", codes)
			}
			var decided struct{ DecideImportRow job }
			s.MustAdmin(t, &decided, decide, map[string]any{"job": j.ID, "line": 2, "accept": true, "reason": "Kundin hat per Brief neu eingewilligt"})
			if d := decided.DecideImportRow; d.Inserted != 1 || d.Status != "DONE" {
				t.Fatalf("after the acceptance: %+v", d)
			}
		})
	}
}

// Her later row of the file can name the record she is known by: Erika Testfrau left the
// newsletter through her record's link (which revokes it); a fair's file, imported into that
// list with "ja", has her new e-mail in two spellings, once with her known phone. Whichever
// row comes first, both are duplicates of her record: no new record of hers gets the
// newsletter or the list, and the problem names the purpose by its key.
func TestHerRowsOfAFileAreDuplicatesOfHerRecordWhicheverNamesIt(t *testing.T) {
	for name, file := range map[string]string{
		"phone row first": "Vorname;Nachname;E-Mail;Telefon;Einwilligung\r\n" +
			"Erika;Testfrau;Erika.Neu@example.test;030 1234567;ja\r\n" +
			"Erika;Testfrau;erika.neu+messe@example.test;;ja\r\n",
		"phone row second": "Vorname;Nachname;E-Mail;Telefon;Einwilligung\r\n" +
			"Erika;Testfrau;erika.neu+messe@example.test;;ja\r\n" +
			"Erika;Testfrau;Erika.Neu@example.test;030 1234567;ja\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			s := apptest.Start(t)
			s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
			s.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news", name: "Newsletter", purposeKey: "newsletter"}) { id } }`, nil)
			var a struct {
				CreateContact struct{ Contact struct{ ID string } }
			}
			s.MustAdmin(t, &a, `mutation { createContact(input: {givenName: "Erika", familyName: "Testfrau", emails: ["erika.testfrau@example.test"], phones: ["+49 30 1234567"]}) { contact { id } } }`, nil)
			id := a.CreateContact.Contact.ID
			s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { addToList(contactId: $c, listKey: "news") { id } }`, map[string]any{"c": id})
			s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { recordConsent(input: {contactId: $c, purposeKey: "newsletter", source: "web form", evidence: "form v3"}) { id } }`, map[string]any{"c": id})
			var link struct{ UnsubscribeLink string }
			s.MustAdmin(t, &link, `query($c: ID!) { unsubscribeLink(contactId: $c, listKey: "news") }`, map[string]any{"c": id})
			if code := apptest.OneClick(t, link.UnsubscribeLink); code != http.StatusOK {
				t.Fatalf("one-click POST: status %d", code)
			}

			var started struct{ StartImport job }
			upload(t, s.URL, apptest.AdminToken, startImport, map[string]any{"list": "news"}, "messe.csv", []byte(file)).Decode(t, &started)
			j := waitJob(t, s, started.StartImport.ID)
			if j.Inserted != 0 || j.Duplicates != 2 {
				t.Errorf("inserted/duplicates = %d/%d, want 0/2: both rows are her, known by her phone", j.Inserted, j.Duplicates)
			}
			if len(j.Problems) != 1 || j.Problems[0].Code != "CONSENT_REVOKED_LATER" || !strings.Contains(j.Problems[0].Message, `purpose "newsletter"`) {
				t.Errorf("problems %+v, want one CONSENT_REVOKED_LATER naming purpose \"newsletter\"", j.Problems)
			}
			var r struct {
				Recipients struct {
					Edges []struct{ Node struct{ ID string } }
				}
			}
			s.MustAdmin(t, &r, `{ recipients(listKey: "news") { edges { node { id } } } }`, nil)
			if len(r.Recipients.Edges) != 0 {
				t.Errorf("recipients after she left the list and the fair's file was imported: %+v", r.Recipients.Edges)
			}
		})
	}
}
