package importer_test

import (
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/pgtest"
)

// herNo is Erika Testfrau as the race tests of this file find her: the record she said no to
// the newsletter on (and left news-de through), and marketing's record of her, granted a day
// before her no, which does not share an identifier with her yet.
type herNo struct {
	s         *apptest.Server
	marketing string
}

func newHerNo(t *testing.T) herNo {
	t.Helper()
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news-de", name: "Newsletter Deutschland", purposeKey: "newsletter"}) { id } }`, nil)
	create := func(email string) string {
		var out struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		s.MustAdmin(t, &out, `mutation($e: String!) { createContact(input: {givenName: "Erika", familyName: "Testfrau", emails: [$e]}) { contact { id } } }`,
			map[string]any{"e": email})
		id := out.CreateContact.Contact.ID
		s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { addToList(contactId: $c, listKey: "news-de") { id } }`, map[string]any{"c": id})
		s.MustAdmin(t, &struct{}{}, `mutation($c: ID!, $at: Time!) { recordConsent(input: {contactId: $c, purposeKey: "newsletter", source: "fair", givenAt: $at}) { id } }`,
			map[string]any{"c": id, "at": time.Now().Add(-24 * time.Hour).UTC().Format(time.RFC3339)})
		return id
	}
	said := create("erika.testfrau@example.test")
	s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { revokeConsent(input: {contactId: $c, purposeKey: "newsletter", channel: "phone"}) { id } }`,
		map[string]any{"c": said})
	return herNo{s: s, marketing: create("e.t@marketing.example.test")}
}

// joinHer is marketing's update that gives its record her address and a new one,
// erika@neu.example.test: the record joins her and inherits her no.
func (h herNo) joinHer(t *testing.T, done chan<- *apptest.Result) {
	done <- h.s.Admin(t, `mutation($id: ID!) { updateContact(id: $id, input: {emails: ["e.t@marketing.example.test", "Erika.Testfrau@example.test", "erika@neu.example.test"]}) { contact { id } } }`,
		map[string]any{"id": h.marketing})
}

// recipients returns the e-mails of news-de's recipients.
func (h herNo) recipients(t *testing.T) [][]string {
	t.Helper()
	var out struct {
		Recipients struct {
			Edges []struct{ Node struct{ Emails []string } }
		}
	}
	h.s.MustAdmin(t, &out, `query { recipients(listKey: "news-de", first: 100) { edges { node { emails } } } }`, nil)
	var got [][]string
	for _, e := range out.Recipients.Edges {
		got = append(got, e.Node.Emails)
	}
	return got
}

// blacklistLock is store's blacklistLock: every writer of identifiers takes it shared.
const blacklistLock = 7243002

// An import batch inserts a record with her new address erika@neu.example.test, granted for
// the newsletter a month before her no, while marketing's update gives its record that address
// and hers (so it joins her). Each looked before the other committed: the batch found no
// contact with the address (no duplicate), the update found no record of the batch in her
// person. The interleaving is forced: the batch is held before it commits (the blacklist lock),
// the update is let in once the batch has looked up, and both are held before their events
// (the outbox) until both have read. Once both committed the imported record is hers and must
// not be a recipient of her newsletter.
func TestAnImportRacingAnUpdateThatGivesHerTheAddressHoldsHerNo(t *testing.T) {
	h := newHerNo(t)
	watch := h.s.Conn(t)
	holdBlacklist := h.s.Conn(t)
	if _, err := holdBlacklist.Exec(t.Context(), `SELECT pg_advisory_lock($1)`, blacklistLock); err != nil {
		t.Fatal(err)
	}
	lastMonth := time.Now().AddDate(0, -1, 0).UTC().Format("02.01.2006")
	file := "Vorname;Nachname;E-Mail;Einwilligung;Einwilligungsdatum\r\nErika;Testfrau;erika@neu.example.test;newsletter;" + lastMonth + "\r\n"
	var started struct{ StartImport job }
	upload(t, h.s.URL, apptest.AdminToken, startImport, map[string]any{"list": "news-de"}, "messe.csv", []byte(file)).Decode(t, &started)
	pgtest.WaitForWaiters(t, watch, 1, pgtest.AdvisoryLocks) // the batch looked up and waits to commit
	release := h.s.HoldEvents(t)
	done := make(chan *apptest.Result, 1)
	go h.joinHer(t, done)
	pgtest.WaitForWaiters(t, watch, 2, pgtest.AdvisoryLocks) // and the update waits too (for the blacklist lock, or for the batch)
	if _, err := holdBlacklist.Exec(t.Context(), `SELECT pg_advisory_unlock($1)`, blacklistLock); err != nil {
		t.Fatal(err)
	}
	pgtest.WaitForWaiters(t, watch, 2, pgtest.AdvisoryLocks.Except(pgtest.AdvisoryLock(blacklistLock))) // both read what they decide on, and wait for the outbox (or for each other)
	release()
	if r := <-done; len(r.Errors) > 0 {
		t.Fatalf("marketing's update: %+v", r.Errors)
	}
	if j := waitJob(t, h.s, started.StartImport.ID); j.Inserted+j.Duplicates != 1 {
		t.Fatalf("import: %+v", j)
	}
	if got := h.recipients(t); len(got) != 0 {
		t.Errorf("news-de recipients once the import and the update committed = %v, want none: the imported record shares her new e-mail", got)
	}
}

// A held import row (its phone matched an objection the admin has lifted since) is accepted as
// a record with erika@neu.example.test, granted for the newsletter a month before her no,
// while marketing's update gives its record that address and hers. The update is held before
// its event (the outbox) after it read her person; the acceptance runs meanwhile. Once both
// committed the accepted record is hers and must not be a recipient of her newsletter.
func TestAnAcceptedHeldRowRacingAnUpdateThatGivesHerTheAddressHoldsHerNo(t *testing.T) {
	h := newHerNo(t)
	var entry struct{ BlacklistAdd struct{ ID string } }
	h.s.MustAdmin(t, &entry, `mutation { blacklistAdd(candidate: {phones: ["+49 30 1234567"]}, reason: "objection by phone") { id } }`, nil)
	lastMonth := time.Now().AddDate(0, -1, 0).UTC().Format("02.01.2006")
	file := "Vorname;Nachname;E-Mail;Telefon;Einwilligung;Einwilligungsdatum\r\n" +
		"Erika;Testfrau;erika@neu.example.test;030 1234567;newsletter;" + lastMonth + "\r\n"
	var started struct{ StartImport job }
	upload(t, h.s.URL, apptest.AdminToken, startImport, map[string]any{"list": "news-de"}, "messe.csv", []byte(file)).Decode(t, &started)
	if j := waitJob(t, h.s, started.StartImport.ID); j.Held != 1 {
		t.Fatalf("want the row held, got %+v", j)
	}
	h.s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { blacklistRemove(id: $id, reason: "objection withdrawn in writing") { id } }`,
		map[string]any{"id": entry.BlacklistAdd.ID})

	release := h.s.HoldEvents(t)
	watch := h.s.Conn(t)
	done := make(chan *apptest.Result, 1)
	go h.joinHer(t, done)
	pgtest.WaitForWaiters(t, watch, 1, pgtest.AdvisoryLocks.Except(pgtest.AdvisoryLock(blacklistLock))) // the update read her person and waits to write the event of the no it inherits
	accepted := make(chan *apptest.Result, 1)
	go func() {
		accepted <- h.s.Admin(t, decide, map[string]any{"job": started.StartImport.ID, "line": 2, "accept": true, "reason": "met her at the fair"})
	}()
	pgtest.WaitForWaiters(t, watch, 2, pgtest.AdvisoryLocks.Except(pgtest.AdvisoryLock(blacklistLock))) // the acceptance waits too (the outbox, or the update's turn)
	release()
	if r := <-done; len(r.Errors) > 0 {
		t.Fatalf("marketing's update: %+v", r.Errors)
	}
	if r := <-accepted; len(r.Errors) > 0 {
		t.Fatalf("accepting the held row: %+v", r.Errors)
	}
	if got := h.recipients(t); len(got) != 0 {
		t.Errorf("news-de recipients once the acceptance and the update committed = %v, want none: the accepted record shares her new e-mail", got)
	}
}
