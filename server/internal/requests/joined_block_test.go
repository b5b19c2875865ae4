package requests_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// Objections and restrictions hold for the records that become the person's after them: a
// record that shares an e-mail or phone with one of her blocked records, through an identifier
// staff added after the block, is hers (DESIGN rule 8) and gets nothing either.

const (
	addIdentifiers = `mutation($id: ID!, $in: ContactInput!) { updateContact(id: $id, input: $in, override: {reason: "from her letter"}) { contact { id } } }`
	mergeInto      = `mutation($into: ID!, $from: [ID!]!) { mergeContacts(intoId: $into, fromIds: $from, reason: "one person entered twice") { id } }`
)

// blockedHer files and completes a request of kind (OBJECTION, RESTRICTION) for the record id
// and returns the entry it made.
func blockedHer(t *testing.T, s *apptest.Server, kind, id string) string {
	t.Helper()
	req := file(t, s, map[string]any{"kind": kind, "contactId": id, "channel": "letter"})
	s.MustAdmin(t, &struct{}{}, completeReq, map[string]any{"id": req.ID, "outcome": "No more processing for advertising, confirmed by letter"})
	var bl struct {
		Blacklist struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	s.MustAdmin(t, &bl, `{ blacklist(first: 10) { edges { node { id } } } }`, nil)
	if len(bl.Blacklist.Edges) != 1 {
		t.Fatalf("blacklist after the %s: %+v, want one entry", kind, bl.Blacklist.Edges)
	}
	return bl.Blacklist.Edges[0].Node.ID
}

// isBlocked says what Contact.blocked says of id on s.
func isBlocked(t *testing.T, s *apptest.Server, id string) bool {
	t.Helper()
	var out struct{ Contact struct{ Blocked bool } }
	s.MustAdmin(t, &out, `query($id: ID!) { contact(id: $id) { blocked } }`, map[string]any{"id": id})
	return out.Contact.Blocked
}

// screens says whether screening the candidate on s blocks it.
func screens(t *testing.T, s *apptest.Server, candidate map[string]any) bool {
	t.Helper()
	var scr struct{ Screen struct{ Blocked bool } }
	s.MustAdmin(t, &scr, `query($c: ContactInput!) { screen(candidate: $c) { blocked } }`, map[string]any{"c": candidate})
	return scr.Screen.Blocked
}

// blockedEvents counts the CONTACT_BLOCKED events naming the record id and the entry.
func blockedEvents(t *testing.T, s *apptest.Server, id, entry string) int {
	t.Helper()
	conn := s.Conn(t)
	var n int
	if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM events WHERE kind = 'CONTACT_BLOCKED' AND contact_id = $1 AND ref = $2`,
		id, entry).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func newsletter(t *testing.T, s *apptest.Server) {
	t.Helper()
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news", name: "News", purposeKey: "newsletter"}) { id } }`, nil)
}

var (
	erikaMarketing = map[string]any{"givenName": "Erika", "familyName": "Testfrau",
		"emails": []string{"erika.testfrau@example.org"}, "phones": []string{"+49 30 5557001"}}
	// erikaWithMobile is erikaMarketing after staff added the mobile number from her letter.
	erikaWithMobile = map[string]any{"emails": []string{"erika.testfrau@example.org"}, "phones": []string{"+49 30 5557001", "+49 151 55570099"}}
)

// Staff add a mobile number to her blocked record (on instance B); sales then enter a record
// with that number only (on instance A): it is hers, so it is screened as a match and refused
// without an override, and written with one it gets nothing.
func TestARecordEnteredWithAnIdentifierAddedAfterTheBlockIsHers(t *testing.T) {
	for _, kind := range []string{"OBJECTION", "RESTRICTION"} {
		t.Run(kind, func(t *testing.T) {
			a := apptest.Start(t)
			b := apptest.StartOn(t, a.DBURL)
			newsletter(t, a)
			marketing := subscribed(t, a, erikaMarketing)
			blockedHer(t, a, kind, marketing)
			b.MustAdmin(t, &struct{}{}, addIdentifiers, map[string]any{"id": marketing, "in": erikaWithMobile})

			mobileOnly := map[string]any{"familyName": "Testfrau (Vertrieb)", "phones": []string{"0151 55570099"}}
			if !screens(t, a, mobileOnly) {
				t.Errorf("instance A: screening the mobile staff added to her blocked record: not blocked")
			}
			var out struct {
				CreateContact struct{ Contact *struct{ ID string } }
			}
			a.MustAdmin(t, &out, createContact, map[string]any{"in": mobileOnly})
			if out.CreateContact.Contact != nil {
				t.Errorf("createContact with the mobile staff added to her blocked record wrote %s without an override; want it refused", out.CreateContact.Contact.ID)
			}
			var forced struct {
				CreateContact struct{ Contact *struct{ ID string } }
			}
			a.MustAdmin(t, &forced, `mutation($in: ContactInput!) { createContact(input: $in, override: {reason: "sales insists"}) { contact { id } } }`,
				map[string]any{"in": mobileOnly})
			sales := forced.CreateContact.Contact.ID
			a.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { addToList(contactId: $c, listKey: "news") { id } }`, map[string]any{"c": sales})
			// refused for a blocked record; recorded for one not known as hers
			b.Admin(t, `mutation($c: ID!) { recordConsent(input: {contactId: $c, purposeKey: "newsletter", source: "CRM sync"}) { id } }`, map[string]any{"c": sales})
			neitherReceives(t, a, b, "the "+kind+" and her mobile added after it", marketing, sales)
			if !isBlocked(t, b, sales) {
				t.Errorf("the sales record entered with her mobile is not blocked")
			}
			a.AssertBlocksExact(t)
		})
	}
}

// The other order: sales have a record with a mobile number; staff add that number to her
// blocked record (from her letter, on instance B). The sales record is hers from then on:
// blocked at once, announced as CONTACT_BLOCKED, and its own e-mail is recognised when she is
// entered with it again.
func TestARecordThatBecomesHersByAnIdentifierAddedAfterTheBlockIsBlocked(t *testing.T) {
	a := apptest.Start(t)
	b := apptest.StartOn(t, a.DBURL)
	newsletter(t, a)
	marketing := subscribed(t, a, erikaMarketing)
	sales := subscribed(t, a, map[string]any{"givenName": "E.", "familyName": "Testfrau",
		"emails": []string{"e.t.vertrieb@firma.example"}, "phones": []string{"0151 55570099"}})
	entry := blockedHer(t, a, "OBJECTION", marketing)
	if got := recipientsOf(t, a); !slices.Contains(got, sales) {
		t.Fatalf("recipients after her objection = %v; the test wants the sales record not known as hers yet", got)
	}
	b.MustAdmin(t, &struct{}{}, addIdentifiers, map[string]any{"id": marketing, "in": erikaWithMobile})

	neitherReceives(t, a, b, "her objection and the mobile added to her record", marketing, sales)
	if n := blockedEvents(t, a, sales, entry); n != 1 {
		t.Errorf("CONTACT_BLOCKED events for the sales record naming her entry: %d, want 1", n)
	}
	if !screens(t, b, map[string]any{"emails": []string{"E.T.Vertrieb@firma.example"}}) {
		t.Errorf("screening the sales record's own e-mail after it became hers: not blocked")
	}
	a.AssertBlocksExact(t)
}

// The same with an e-mail in another spelling: staff add "Max.Muster+x@…" to her blocked
// record, and the newsletter record of "max.muster@…" (the same address, normalised) is hers.
func TestARecordThatBecomesHersByAnotherSpellingIsBlocked(t *testing.T) {
	a := apptest.Start(t)
	b := apptest.StartOn(t, a.DBURL)
	newsletter(t, a)
	marketing := subscribed(t, a, erikaMarketing)
	other := subscribed(t, a, map[string]any{"givenName": "Erika", "familyName": "Testfrau", "emails": []string{"max.muster@example.test"}})
	blockedHer(t, a, "RESTRICTION", marketing)
	b.MustAdmin(t, &struct{}{}, addIdentifiers, map[string]any{"id": marketing,
		"in": map[string]any{"emails": []string{"erika.testfrau@example.org", "Max.Muster+x@example.test"}}})

	neitherReceives(t, a, b, "her restriction and her second address added to her record", marketing, other)
	a.AssertBlocksExact(t)
}

// A record that became hers brings its own identifiers: a third record sharing only the
// sales record's e-mail is hers too, and refused without an override.
func TestARecordThatBecameHersBringsItsIdentifiers(t *testing.T) {
	a := apptest.Start(t)
	b := apptest.StartOn(t, a.DBURL)
	newsletter(t, a)
	marketing := subscribed(t, a, erikaMarketing)
	subscribed(t, a, map[string]any{"givenName": "E.", "familyName": "Testfrau",
		"emails": []string{"e.t.vertrieb@firma.example"}, "phones": []string{"0151 55570099"}})
	blockedHer(t, a, "OBJECTION", marketing)
	b.MustAdmin(t, &struct{}{}, addIdentifiers, map[string]any{"id": marketing, "in": erikaWithMobile})

	var out struct {
		CreateContact struct{ Contact *struct{ ID string } }
	}
	a.MustAdmin(t, &out, createContact, map[string]any{"in": map[string]any{"familyName": "Testfrau", "emails": []string{"e.t.vertrieb@firma.example"}}})
	if out.CreateContact.Contact != nil {
		t.Errorf("createContact with the e-mail of a record that became hers wrote %s without an override; want it refused", out.CreateContact.Contact.ID)
	}
}

// The entry keeps what it gained: staff add a mobile to her blocked record and take it off
// again (a wrong number, they think); an import row with that mobile — no duplicate of any
// record now — is a blacklist match, held for a decision, as a row with the phone she had
// when she was blocked is.
func TestAnImportRowWithAnIdentifierAddedAfterTheBlockIsHeld(t *testing.T) {
	s := apptest.Start(t)
	marketing := newContact(t, s, erikaMarketing)
	blockedHer(t, s, "OBJECTION", marketing)
	s.MustAdmin(t, &struct{}{}, addIdentifiers, map[string]any{"id": marketing, "in": erikaWithMobile})
	s.MustAdmin(t, &struct{}{}, addIdentifiers, map[string]any{"id": marketing, "in": map[string]any{"phones": []string{"+49 30 5557001"}}})

	var started struct{ StartImport struct{ ID string } }
	csv := "Vorname;Nachname;Telefon\nErika;Testfrau;0151 55570099\n"
	apptest.Upload(t, s.URL, apptest.AdminToken, `mutation($file: Upload!) { startImport(file: $file) { id } }`, nil, "crm.csv", []byte(csv)).Decode(t, &started)
	s.AwaitImport(t, started.StartImport.ID)
	var job struct {
		ImportJob struct{ Held, Duplicates, Inserted int }
	}
	s.MustAdmin(t, &job, `query($id: ID!) { importJob(id: $id) { held duplicates inserted } }`, map[string]any{"id": started.StartImport.ID})
	if job.ImportJob.Held != 1 {
		t.Errorf("import of a row with the mobile once added to her blocked record: %+v, want it held", job.ImportJob)
	}
	s.AssertBlocksExact(t)
}

// Her own sign-up with the address staff added to her record after her objection ends the
// objection, as a sign-up with the address she had then does (Art. 21: she came back herself).
func TestHerSignUpWithAnAddressAddedAfterHerObjectionEndsIt(t *testing.T) {
	a := apptest.Start(t)
	b := apptest.StartOn(t, a.DBURL)
	a.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "events", name: "Einladungen", legalBasis: CONSENT}) { id } }`, nil)
	marketing := newContact(t, a, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
		"emails": []string{"e.testfrau@example.net"}, "phones": []string{"+49 30 5557001"}})
	blockedHer(t, a, "OBJECTION", marketing)
	b.MustAdmin(t, &struct{}{}, addIdentifiers, map[string]any{"id": marketing,
		"in": map[string]any{"emails": []string{"e.testfrau@example.net", "Erika.Testfrau+news@example.org"}}})

	herSignUp(t, a, b) // erika.testfrau@example.org
	if isBlocked(t, b, marketing) {
		t.Errorf("after her own sign-up with the address added to her record her objection still blocks her record")
	}
	a.AssertBlocksExact(t)
}

// Merging a clean record of hers into her blocked one: the survivor holds the clean record's
// phone now, and a record entered later with that phone is hers.
func TestAPhoneMergedIntoHerBlockedRecordIsRecognised(t *testing.T) {
	a := apptest.Start(t)
	b := apptest.StartOn(t, a.DBURL)
	marketing := newContact(t, a, erikaMarketing)
	clean := newContact(t, a, map[string]any{"givenName": "Erika", "familyName": "Testfrau", "phones": []string{"0151 55570099"}})
	blockedHer(t, a, "RESTRICTION", marketing)
	b.MustAdmin(t, &struct{}{}, mergeInto, map[string]any{"into": marketing, "from": []string{clean}})

	if !screens(t, a, map[string]any{"phones": []string{"+4915155570099"}}) {
		t.Errorf("screening the phone merged into her restricted record: not blocked")
	}
	a.AssertBlocksExact(t)
}

// A record named as someone else when she was blocked (the family's phone) stays someone
// else when staff later add an address to her record.
func TestTheRecordSetApartStaysApartWhenHerRecordChanges(t *testing.T) {
	a := apptest.Start(t)
	newsletter(t, a)
	marketing := subscribed(t, a, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
		"emails": []string{"erika.testfrau@example.org"}, "phones": []string{"030 5557002"}})
	family := subscribed(t, a, map[string]any{"givenName": "Hans", "familyName": "Testmann",
		"emails": []string{"hans.testmann@example.net"}, "phones": []string{"030 5557002"}})
	req := file(t, a, map[string]any{"kind": "OBJECTION", "contactId": marketing, "channel": "letter"})
	a.MustAdmin(t, &struct{}{}, `mutation($id: ID!, $outcome: String!, $keep: [ID!]) { completeRequest(id: $id, outcome: $outcome, keep: $keep) { id } }`,
		map[string]any{"id": req.ID, "outcome": "No more advertising, confirmed by letter", "keep": []string{family}})
	a.MustAdmin(t, &struct{}{}, addIdentifiers, map[string]any{"id": marketing,
		"in": map[string]any{"emails": []string{"erika.testfrau@example.org", "erika.neu@example.net"}}})

	if got := recipientsOf(t, a); !slices.Contains(got, family) || slices.Contains(got, marketing) {
		t.Errorf("recipients after her record changed = %v; want the family member %s set apart, without her %s", got, family, marketing)
	}
	if screens(t, a, map[string]any{"emails": []string{"hans.testmann@example.net"}}) {
		t.Errorf("the family member's own e-mail is blocked after her record changed")
	}
	if !screens(t, a, map[string]any{"emails": []string{"erika.neu@example.net"}}) {
		t.Errorf("screening the address added to her record: not blocked")
	}
	a.AssertBlocksExact(t)
}

// Sales enter records with a mobile number on two instances while staff add that number to her
// blocked record: whichever commits first, every one of those records ends up hers and blocked.
func TestRecordsEnteredWhileHerRecordGainsTheirPhoneAreBlocked(t *testing.T) {
	a := apptest.Start(t)
	b := apptest.StartOn(t, a.DBURL)
	marketing := newContact(t, a, erikaMarketing)
	blockedHer(t, a, "OBJECTION", marketing)
	const writers = 6
	ids := make([]string, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			s := a
			if i%2 == 1 {
				s = b
			}
			var out struct {
				CreateContact struct{ Contact *struct{ ID string } }
			}
			s.MustAdmin(t, &out, `mutation($in: ContactInput!) { createContact(input: $in, override: {reason: "sales insists"}) { contact { id } } }`,
				map[string]any{"in": map[string]any{"familyName": fmt.Sprintf("Testfrau (Vertrieb %d)", i), "phones": []string{"0151 55570099"}}})
			if out.CreateContact.Contact != nil {
				ids[i] = out.CreateContact.Contact.ID
			}
		})
	}
	wg.Go(func() {
		b.MustAdmin(t, &struct{}{}, addIdentifiers, map[string]any{"id": marketing, "in": erikaWithMobile})
	})
	wg.Wait()
	for i, id := range ids {
		if id == "" {
			t.Errorf("writer %d wrote nothing", i)
		} else if !isBlocked(t, a, id) {
			t.Errorf("record %s, entered with her mobile while it was added to her record, is not blocked", id)
		}
	}
	a.AssertBlocksExact(t)
}
