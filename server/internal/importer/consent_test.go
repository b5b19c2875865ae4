package importer_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// TestImportRecordsTheConsentsTheFileStates: a newsletter tool's export of opted-in people,
// German headers. New people get their consent with evidence; an existing person who revoked
// after the stated date keeps the revocation; a held row's consent waits for the decision.
func TestImportRecordsTheConsentsTheFileStates(t *testing.T) {
	s := apptest.Start(t)
	var max struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	s.MustAdmin(t, &max, `mutation { createContact(input: {givenName: "Max", familyName: "Mustermann", emails: ["max.muster@example.com"]}) { contact { id } } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { revokeConsent(input: {contactId: $c, purposeKey: "newsletter", channel: "phone"}) { id } }`,
		map[string]any{"c": max.CreateContact.Contact.ID})
	var entry struct{ BlacklistAdd struct{ ID string } }
	s.MustAdmin(t, &entry, `mutation { blacklistAdd(candidate: {emails: ["gesperrt@example.org"]}, reason: "asked to be erased") { id } }`, nil)

	lastMonth := time.Now().AddDate(0, -1, 0).UTC().Format("02.01.2006")
	file := "Vorname;Nachname;E-Mail;Einwilligung;Einwilligungsdatum;Quelle\r\n" +
		"Erika;Mustermann;erika.mustermann@example.com;newsletter;" + lastMonth + ";Messe Leipzig\r\n" + // 2 new, granted
		"Max;Mustermann;max.muster@example.com;newsletter;" + lastMonth + ";Messe Leipzig\r\n" + // 3 duplicate, revoked since: skipped
		"Bernd;Gesperrt;gesperrt@example.org;newsletter;" + lastMonth + ";Messe Leipzig\r\n" + // 4 held
		"Clara;Datum;clara@example.com;newsletter;31.02.2025;Telefon\r\n" + // 5 invalid date
		"Dora;Zweck;dora@example.com;kochkurs;;\r\n" + // 6 imported, no such purpose
		"Emil;Ohne;emil@example.com;;;\r\n" // 7 new, no consent
	res := upload(t, s.URL, apptest.AdminToken, startImport, nil, "newsletter-export.csv", []byte(file))
	var started struct{ StartImport job }
	res.Decode(t, &started)
	j := waitJob(t, s, started.StartImport.ID)
	if got, want := [4]int{j.Inserted, j.Duplicates, j.Held, j.Invalid}, [4]int{3, 1, 1, 1}; got != want {
		t.Fatalf("inserted/duplicates/held/invalid = %v, want %v; problems %+v", got, want, j.Problems)
	}
	problems := map[int]string{}
	for _, p := range j.Problems {
		problems[p.Line] += p.Message
	}
	for line, want := range map[int]string{3: "revoked it on", 5: `consent date "31.02.2025" is no date`, 6: `no purpose with key "kochkurs"`} {
		if !strings.Contains(problems[line], want) {
			t.Errorf("line %d: problem %q, want it to say %q", line, problems[line], want)
		}
	}

	type event struct {
		Status, Source, Evidence string
		GivenAt                  *time.Time
	}
	proof := func(email string) []event {
		t.Helper()
		var c struct {
			Contacts struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		s.MustAdmin(t, &c, `query($s: String) { contacts(search: $s) { edges { node { id } } } }`, map[string]any{"s": email})
		if len(c.Contacts.Edges) != 1 {
			t.Fatalf("contacts for %s: %+v", email, c)
		}
		var p struct{ ConsentProof []event }
		s.MustAdmin(t, &p, `query($id: ID!) { consentProof(contactId: $id) { status source evidence givenAt } }`,
			map[string]any{"id": c.Contacts.Edges[0].Node.ID})
		return p.ConsentProof
	}
	erika := proof("erika.mustermann@example.com")
	if len(erika) != 1 || erika[0].Status != "GRANTED" || erika[0].Source != "import" || erika[0].GivenAt == nil ||
		erika[0].GivenAt.Format("02.01.2006") != lastMonth {
		t.Fatalf("Erika's consent: %+v", erika)
	}
	var ev struct {
		Method, Job, StatedSource string
		Line                      int
	}
	if err := json.Unmarshal([]byte(erika[0].Evidence), &ev); err != nil || ev.Job != j.ID || ev.Line != 2 ||
		ev.StatedSource != "Messe Leipzig" {
		t.Fatalf("evidence %s (%v)", erika[0].Evidence, err)
	}
	if maxEvents := proof("max.muster@example.com"); len(maxEvents) != 1 || maxEvents[0].Status != "REVOKED" {
		t.Fatalf("the file's older consent was recorded over the revocation: %+v", maxEvents)
	}
	if n := len(proof("emil@example.com")) + len(proof("dora@example.com")); n != 0 {
		t.Fatalf("consents without a (known) purpose: %d", n)
	}

	// The held row's consent is recorded only when the row is accepted, and only once the
	// entry that blocks the person has ended (else the contact is blocked: no consent for it).
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { blacklistRemove(id: $id, reason: "came back by letter") { id } }`,
		map[string]any{"id": entry.BlacklistAdd.ID})
	var decided struct{ DecideImportRow job }
	s.MustAdmin(t, &decided, decide, map[string]any{"job": j.ID, "line": 4, "accept": true, "reason": "came back by letter"})
	bernd := proof("gesperrt@example.org")
	if len(bernd) != 1 || bernd[0].Status != "GRANTED" || !strings.Contains(bernd[0].Evidence, `"line":4`) {
		t.Fatalf("the accepted row's consent: %+v", bernd)
	}
}

// A consent column that says "ja" means the purpose of the list the file is imported into.
func TestImportConsentYesMeansTheListsPurpose(t *testing.T) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news-de", name: "Newsletter DE", purposeKey: "newsletter"}) { id } }`, nil)
	file := "E-Mail;Nachname;Einwilligung\r\nerika.mustermann@example.com;Mustermann;ja\r\nmax.muster@example.com;Muster;nein\r\n"
	res := upload(t, s.URL, apptest.AdminToken, startImport, map[string]any{"list": "news-de"}, "optin.csv", []byte(file))
	var started struct{ StartImport job }
	res.Decode(t, &started)
	if j := waitJob(t, s, started.StartImport.ID); j.Inserted != 2 || len(j.Problems) != 0 {
		t.Fatalf("job: %+v", j)
	}
	var out struct {
		Recipients struct {
			Edges []struct{ Node struct{ Emails []string } }
		}
	}
	s.MustAdmin(t, &out, `{ recipients(listKey: "news-de") { edges { node { emails } } } }`, nil)
	if len(out.Recipients.Edges) != 1 || out.Recipients.Edges[0].Node.Emails[0] != "erika.mustermann@example.com" {
		t.Fatalf("recipients: %+v", out)
	}
}

// A file never undoes a newer "no" of the person (DESIGN rule 8), whichever of the person's
// records the no was said on: Erika Testfrau revoked the newsletter on marketing's record;
// sales entered her afterwards with her e-mail spelled differently. A file stating a consent
// of last month matches both records and must grant neither.
func TestImportConsentDoesNotUndoThePersonsRevocation(t *testing.T) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	mk := func(email string) string {
		var out struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		s.MustAdmin(t, &out, `mutation($e: String!) { createContact(input: {givenName: "Erika", familyName: "Testfrau", emails: [$e]}) { contact { id } } }`,
			map[string]any{"e": email})
		return out.CreateContact.Contact.ID
	}
	marketing := mk("erika.testfrau@example.org")
	s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { revokeConsent(input: {contactId: $c, purposeKey: "newsletter", channel: "phone"}) { id } }`,
		map[string]any{"c": marketing})
	sales := mk("Erika.Testfrau+shop@Example.org")

	lastMonth := time.Now().AddDate(0, -1, 0).UTC().Format("02.01.2006")
	file := "Vorname;Nachname;E-Mail;Einwilligung;Einwilligungsdatum;Quelle\r\n" +
		"Erika;Testfrau;erika.testfrau@example.org;newsletter;" + lastMonth + ";Messe Leipzig\r\n"
	var started struct{ StartImport job }
	upload(t, s.URL, apptest.AdminToken, startImport, nil, "messe.csv", []byte(file)).Decode(t, &started)
	j := waitJob(t, s, started.StartImport.ID)
	if j.Duplicates != 1 {
		t.Fatalf("duplicates = %d, want 1; problems %+v", j.Duplicates, j.Problems)
	}
	for _, id := range []string{marketing, sales} {
		var c struct {
			Contact struct{ Consents []struct{ Status string } }
		}
		s.MustAdmin(t, &c, `query($id: ID!) { contact(id: $id) { consents { status } } }`, map[string]any{"id": id})
		for _, cs := range c.Contact.Consents {
			if cs.Status == "GRANTED" {
				t.Errorf("record %s: the file's consent of %s was recorded over the person's revocation of today: %+v", id, lastMonth, c.Contact.Consents)
			}
		}
	}
}
