package requests_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// herSignUp is Erika's own double opt-in for invitations: she signs up on the form of
// instance from and confirms with the link's form on instance on (from again when on is nil).
func herSignUp(t *testing.T, from, on *apptest.Server) {
	t.Helper()
	var su struct{ SignUp struct{ ConfirmURL string } }
	from.MustAdmin(t, &su, `mutation { signUp(input: {email: "erika.testfrau@example.org", purposeKey: "events", source: "web form"}) { confirmURL } }`, nil)
	link := su.SignUp.ConfirmURL
	if i := strings.Index(link, "/confirm/"); on != nil && i >= 0 {
		link = on.URL + link[i:]
	}
	resp, err := http.PostForm(link, url.Values{"confirm": {"yes"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d", link, resp.StatusCode)
	}
}

// After Erika's objection no one but she herself grants her a consent again: staff and an
// integrator's token recording a newsletter consent for her sales record are refused, naming
// the contact. Before, the grant was recorded in silence; it did nothing while the entry
// held, but when she later signed up herself for another purpose (which ends the entry and
// revokes only the grants older than her objection) it put her sales record back on the
// newsletter's recipients — the purpose she had objected to.
func TestNoConsentIsRecordedForAPersonWhoObjected(t *testing.T) {
	a := apptest.Start(t)
	b := apptest.StartOn(t, a.DBURL)
	a.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	a.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "events", name: "Einladungen", legalBasis: CONSENT}) { id } }`, nil)
	a.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news", name: "News", purposeKey: "newsletter"}) { id } }`, nil)
	marketing := subscribed(t, a, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
		"emails": []string{"erika.testfrau@example.org"}, "phones": []string{"+49 30 5557001"}})
	sales := newContact(t, a, map[string]any{"givenName": "E.", "familyName": "Testfrau",
		"emails": []string{"e.t.vertrieb@firma.example"}, "phones": []string{"030 5557001"}})
	a.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { addToList(contactId: $c, listKey: "news") { id } }`, map[string]any{"c": sales})

	req := file(t, a, map[string]any{"kind": "OBJECTION", "contactId": marketing, "channel": "letter"})
	a.MustAdmin(t, &struct{}{}, completeReq, map[string]any{"id": req.ID, "outcome": "No more advertising, confirmed by letter"})

	var tok struct{ CreateApiToken struct{ Secret string } }
	a.MustAdmin(t, &tok, `mutation { createApiToken(name: "shop", role: INTEGRATOR, purposeKeys: ["newsletter"]) { secret } }`, nil)
	record := `mutation($c: ID!) { recordConsent(input: {contactId: $c, purposeKey: "newsletter", source: "CRM sync"}) { id status } }`
	for _, way := range []struct {
		name, token string
	}{{"staff on instance B", apptest.AdminToken}, {"the shop's integrator token", tok.CreateApiToken.Secret}} {
		res := b.Do(t, way.token, record, map[string]any{"c": sales})
		if len(res.Errors) != 1 || res.Errors[0].Code() != "BAD_USER_INPUT" || res.Errors[0].Extensions["reason"] != "CONTACT_BLOCKED" ||
			res.Errors[0].Field() != "input.contactId" {
			t.Errorf("recordConsent by %s for her sales record after her objection: errors %+v, data %s; want BAD_USER_INPUT CONTACT_BLOCKED on input.contactId",
				way.name, res.Errors, res.Data)
		}
	}

	// She signs up herself for invitations, on instance A, and confirms on instance B.
	herSignUp(t, a, b)
	neitherReceives(t, a, b, "her objection and her own sign-up for invitations", marketing, sales)
	a.AssertBlocksExact(t)
}

// Completing Erika's objection blocked both her records (they shared a phone). Staff then
// took the phone off her sales record — a typo — and she stays blocked there by the objection
// (TestObjectionAndRestrictionHoldForThePerson). When she asks to be erased later, the
// erasure must take that record too: the objection's entry names it as hers. Before, the
// erasure looked only for shared e-mails and phones, found none, and left her sales record
// with her name and e-mail behind, blocked for good.
func TestErasureAfterAnObjectionTakesEveryRecordTheObjectionBlocked(t *testing.T) {
	s := apptest.Start(t)
	b := apptest.StartOn(t, s.DBURL)
	marketing := newContact(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
		"emails": []string{"erika.testfrau@example.org"}, "phones": []string{"+49 30 5557001"}})
	sales := newContact(t, s, map[string]any{"givenName": "E.", "familyName": "Testfrau",
		"emails": []string{"e.t.vertrieb@firma.example"}, "phones": []string{"030 5557001"}})
	objection := file(t, s, map[string]any{"kind": "OBJECTION", "contactId": marketing, "channel": "letter"})
	s.MustAdmin(t, &struct{}{}, completeReq, map[string]any{"id": objection.ID, "outcome": "No more advertising, confirmed by letter"})
	b.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { updateContact(id: $id, input: {phones: []}) { contact { id } } }`, map[string]any{"id": sales})

	var preview struct {
		ErasurePreview struct{ SameIdentifiers []struct{ ID string } }
	}
	b.MustAdmin(t, &preview, `query($id: ID!) { erasurePreview(id: $id) { sameIdentifiers { id } } }`, map[string]any{"id": marketing})
	if got := preview.ErasurePreview.SameIdentifiers; len(got) != 1 || got[0].ID != sales {
		t.Errorf("erasurePreview of her marketing record after the objection: other records %+v, want her sales record %s the objection blocked", got, sales)
	}
	erasure := file(t, s, map[string]any{"kind": "ERASURE", "contactId": marketing, "channel": "letter"})
	b.MustAdmin(t, &struct{}{}, completeReq, map[string]any{"id": erasure.ID, "outcome": "Erased everywhere on request"})
	var left struct{ Contact *struct{ ID string } }
	s.MustAdmin(t, &left, `query($id: ID!) { contact(id: $id) { id } }`, map[string]any{"id": sales})
	if left.Contact != nil {
		t.Errorf("her sales record %s, blocked by her objection, is left after her erasure", sales)
	}
	s.AssertBlocksExact(t)
}

// An import with a consent column is another way to grant her a consent: a row with an
// e-mail staff added to her blocked record after the objection (a duplicate of her record, so
// counted, not held) stated a newsletter consent, and the import recorded it.
func TestImportRecordsNoConsentForAPersonWhoObjected(t *testing.T) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	erika := newContact(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
		"emails": []string{"erika.testfrau@example.org"}})
	objection := file(t, s, map[string]any{"kind": "OBJECTION", "contactId": erika, "channel": "letter"})
	s.MustAdmin(t, &struct{}{}, completeReq, map[string]any{"id": objection.ID, "outcome": "No more advertising, confirmed by letter"})
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { updateContact(id: $id, input: {emails: ["erika.testfrau@example.org", "erika.neu@example.net"]},
		override: {reason: "her new address, from her letter"}) { contact { id } } }`,
		map[string]any{"id": erika})

	csv := "Vorname;Nachname;E-Mail;Einwilligung;Einwilligungsdatum\nErika;Testfrau;erika.neu@example.net;newsletter;\n"
	if status := s.Import(t, "crm.csv", []byte(csv)); status != "DONE" {
		t.Fatalf("import: %s", status)
	}
	var out struct {
		Contact struct {
			Consents []struct {
				Status  string
				Purpose struct{ Key string }
			}
		}
	}
	s.MustAdmin(t, &out, `query($id: ID!) { contact(id: $id) { consents { status purpose { key } } } }`, map[string]any{"id": erika})
	for _, c := range out.Contact.Consents {
		if c.Purpose.Key == "newsletter" && c.Status == "GRANTED" {
			t.Errorf("after her objection an import row with her new e-mail granted her record %s the newsletter: %+v", erika, out.Contact.Consents)
		}
	}
}

// A restriction of processing (Art. 18) is not an objection: the data are kept and may be
// processed only with her consent (Art. 18(2)), and the restriction ends only when the
// controller lifts it, after telling her (Art. 18(3)) — retention keeps the records as a legal
// hold meanwhile. Her own sign-up for invitations is that consent, recorded; it does not lift
// the restriction. Before, the confirmation ended the entry as it ends an objection: both her
// records were unblocked at once, and the sales record (no consent left) lost its legal hold
// and was due for deletion by retention.
func TestHerOwnSignUpDoesNotLiftARestriction(t *testing.T) {
	a := apptest.Start(t)
	b := apptest.StartOn(t, a.DBURL)
	a.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT, retentionMonths: 0}) { id } }`, nil)
	a.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "events", name: "Einladungen", legalBasis: CONSENT}) { id } }`, nil)
	a.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news", name: "News", purposeKey: "newsletter"}) { id } }`, nil)
	marketing := subscribed(t, a, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
		"emails": []string{"erika.testfrau@example.org"}, "phones": []string{"+49 30 5557001"}})
	sales := newContact(t, a, map[string]any{"givenName": "E.", "familyName": "Testfrau",
		"emails": []string{"e.t.vertrieb@firma.example"}, "phones": []string{"030 5557001"}})
	restriction := file(t, a, map[string]any{"kind": "RESTRICTION", "contactId": marketing, "channel": "letter"})
	a.MustAdmin(t, &struct{}{}, completeReq, map[string]any{"id": restriction.ID, "outcome": "Accuracy contested; restricted until checked"})

	herSignUp(t, a, b)

	var out struct {
		M struct {
			Blocked  bool
			Consents []struct {
				Status  string
				Purpose struct{ Key string }
			}
		}
		S struct{ Blocked bool }
	}
	b.MustAdmin(t, &out, `query($m: ID!, $s: ID!) { m: contact(id: $m) { blocked consents { status purpose { key } } } s: contact(id: $s) { blocked } }`,
		map[string]any{"m": marketing, "s": sales})
	if !out.M.Blocked || !out.S.Blocked {
		t.Errorf("after her own sign-up for invitations her records are blocked: marketing %v, sales %v; want both still restricted (Art. 18(3): only the controller lifts it)",
			out.M.Blocked, out.S.Blocked)
	}
	granted := false
	for _, c := range out.M.Consents {
		granted = granted || c.Purpose.Key == "events" && c.Status == "GRANTED"
	}
	if !granted {
		t.Errorf("her confirmed consent for invitations is not recorded: %+v", out.M.Consents)
	}
	var due struct {
		RetentionDue struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	a.MustAdmin(t, &due, `{ retentionDue(first: 10) { edges { node { id } } } }`, nil)
	for _, e := range due.RetentionDue.Edges {
		if e.Node.ID == sales {
			t.Errorf("her restricted sales record %s is due for deletion after her sign-up; want it held while the restriction lasts", sales)
		}
	}
	// The admin who lifts it must tell her first (Art. 18(3)): the blacklist shows which entry is a restriction.
	res := b.Admin(t, `{ blacklist(first: 10) { edges { node { restriction } } } }`, nil)
	var entries struct {
		Blacklist struct {
			Edges []struct{ Node struct{ Restriction bool } }
		}
	}
	if len(res.Errors) == 0 {
		res.Decode(t, &entries)
	}
	if len(entries.Blacklist.Edges) != 1 || !entries.Blacklist.Edges[0].Node.Restriction {
		t.Errorf("blacklist after her sign-up: %+v (errors %+v); want her one entry, marked as a restriction", entries.Blacklist, res.Errors)
	}
	a.AssertBlocksExact(t)
}

// Completing Erika's objection without keep blocked Hans too: he shares her home phone, so he
// was one of her records. The admin learns he is someone else. Without letting her out for a
// moment, he blocks her anew with Hans set apart (blacklistContact's keep) and then ends the
// first entry: Hans is a recipient again, she is not, on either instance.
func TestSomeoneElseIsSplitOffABlockedPerson(t *testing.T) {
	a := apptest.Start(t)
	b := apptest.StartOn(t, a.DBURL)
	a.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	a.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news", name: "News", purposeKey: "newsletter"}) { id } }`, nil)
	erika := subscribed(t, a, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
		"emails": []string{"erika.testfrau@example.org"}, "phones": []string{"+49 30 5557001"}})
	hans := subscribed(t, a, map[string]any{"givenName": "Hans", "familyName": "Testmann",
		"emails": []string{"hans.testmann@example.net"}, "phones": []string{"030 5557001"}})
	objection := file(t, a, map[string]any{"kind": "OBJECTION", "contactId": erika, "channel": "letter"})
	var done struct{ CompleteRequest struct{ ID string } }
	a.MustAdmin(t, &done, completeReq, map[string]any{"id": objection.ID, "outcome": "No more advertising, confirmed by letter"})
	if got := recipientsOf(t, a); slices.Contains(got, hans) {
		t.Fatalf("recipients after her objection = %v; the test wants Hans blocked with her first", got)
	}
	var first struct {
		Blacklist struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	a.MustAdmin(t, &first, `{ blacklist(first: 10) { edges { node { id } } } }`, nil)

	res := b.Admin(t, `mutation($c: ID!, $keep: [ID!]) { blacklistContact(contactId: $c, reason: "objection, family member set apart", keep: $keep) { id } }`,
		map[string]any{"c": erika, "keep": []string{hans}})
	if len(res.Errors) > 0 {
		t.Fatalf("blacklistContact of her record with Hans in keep: %+v", res.Errors)
	}
	b.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { blacklistRemove(id: $id, reason: "replaced: a family member was blocked with her") { id } }`,
		map[string]any{"id": first.Blacklist.Edges[0].Node.ID})
	for name, s := range map[string]*apptest.Server{"instance A": a, "instance B": b} {
		if got := recipientsOf(t, s); !slices.Contains(got, hans) || slices.Contains(got, erika) {
			t.Errorf("%s: recipients after the split = %v; want Hans %s without Erika %s", name, got, hans, erika)
		}
	}
	a.AssertBlocksExact(t)
}

// Her objection covered both records; staff then took the shared phone off the sales record,
// which stayed blocked as hers. When she later comes back herself for invitations, the
// newsletter grants older than her objection must not revive on either record: the sales
// record, hers only through the objection's entry, is no newsletter recipient again.
func TestHerSignUpRevivesNoObjectedGrantOnARecordHersOnlyThroughTheEntry(t *testing.T) {
	a := apptest.Start(t)
	b := apptest.StartOn(t, a.DBURL)
	a.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	a.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "events", name: "Einladungen", legalBasis: CONSENT}) { id } }`, nil)
	a.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news", name: "News", purposeKey: "newsletter"}) { id } }`, nil)
	marketing := subscribed(t, a, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
		"emails": []string{"erika.testfrau@example.org"}, "phones": []string{"+49 30 5557001"}})
	sales := subscribed(t, a, map[string]any{"givenName": "E.", "familyName": "Testfrau",
		"emails": []string{"e.t.vertrieb@firma.example"}, "phones": []string{"030 5557001"}})
	objection := file(t, a, map[string]any{"kind": "OBJECTION", "contactId": marketing, "channel": "letter"})
	a.MustAdmin(t, &struct{}{}, completeReq, map[string]any{"id": objection.ID, "outcome": "No more advertising, confirmed by letter"})
	b.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { updateContact(id: $id, input: {phones: []}) { contact { id } } }`, map[string]any{"id": sales})

	herSignUp(t, a, b)
	neitherReceives(t, a, b, "her objection and her own sign-up for invitations", marketing, sales)
	a.AssertBlocksExact(t)
}

// A merge carries her restriction whichever way round staff merge: her restricted record into
// a clean duplicate, or a clean duplicate (with a newsletter grant) into her restricted one.
func TestMergeKeepsTheRestrictionBothWays(t *testing.T) {
	for _, into := range []string{"clean", "restricted"} {
		t.Run("into "+into, func(t *testing.T) {
			s := apptest.Start(t)
			s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
			s.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news", name: "News", purposeKey: "newsletter"}) { id } }`, nil)
			address := map[string]any{"street": "Teststraße 5", "postalCode": "10115", "city": "Berlin"}
			restricted := subscribed(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau", "address": address})
			r := file(t, s, map[string]any{"kind": "RESTRICTION", "contactId": restricted, "channel": "letter"})
			s.MustAdmin(t, &struct{}{}, completeReq, map[string]any{"id": r.ID, "outcome": "Accuracy contested; restricted until checked"})
			clean := subscribed(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
				"address": map[string]any{"street": "Teststr. 5", "postalCode": "10115", "city": "Berlin"}})
			survivor, merged := clean, restricted
			if into == "restricted" {
				survivor, merged = restricted, clean
			}
			s.MustAdmin(t, &struct{}{}, `mutation($into: ID!, $from: [ID!]!) { mergeContacts(intoId: $into, fromIds: $from, reason: "one person entered twice") { id } }`,
				map[string]any{"into": survivor, "from": []string{merged}})
			if got := recipientsOf(t, s); slices.Contains(got, survivor) {
				t.Errorf("recipients after merging into the %s record = %v; want the survivor %s left out", into, got, survivor)
			}
			s.AssertBlocksExact(t)
		})
	}
}

// A held import row is another way in: after her objection a CRM file lists her e-mail with a
// newsletter consent; the row is held, and staff accept it with a reason (an override, rule 6).
// The record is written — blocked, as it holds her e-mail — but the file's consent is not
// recorded for it: when she later came back herself for invitations, that grant, newer than
// her objection, would have put her on the newsletter again.
func TestAcceptedHeldRowRecordsNoConsentForAPersonWhoObjected(t *testing.T) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "events", name: "Einladungen", legalBasis: CONSENT}) { id } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news", name: "News", purposeKey: "newsletter"}) { id } }`, nil)
	erika := newContact(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
		"emails": []string{"erika.testfrau@example.org"}, "phones": []string{"+49 30 5557001"}})
	objection := file(t, s, map[string]any{"kind": "OBJECTION", "contactId": erika, "channel": "letter"})
	s.MustAdmin(t, &struct{}{}, completeReq, map[string]any{"id": objection.ID, "outcome": "No more advertising, confirmed by letter"})

	// her phone was disconnected: staff take it off her record, the entry keeps it
	var upd struct {
		UpdateContact struct{ Contact *struct{ ID string } }
	}
	s.MustAdmin(t, &upd, `mutation($id: ID!) { updateContact(id: $id, input: {phones: []}, override: {reason: "number disconnected"}) { contact { id } } }`,
		map[string]any{"id": erika})
	if upd.UpdateContact.Contact == nil {
		t.Fatalf("updateContact wrote nothing")
	}
	var started struct{ StartImport struct{ ID string } }
	csv := "Vorname;Nachname;E-Mail;Telefon;Einwilligung\nE.;Testfrau;e.t.neu@firma.example;030 5557001;newsletter\n"
	apptest.Upload(t, s.URL, apptest.AdminToken, `mutation($file: Upload!) { startImport(file: $file, listKey: "news") { id } }`,
		nil, "crm.csv", []byte(csv)).Decode(t, &started)
	var job struct{ ImportJob struct{ Status string } }
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		s.MustAdmin(t, &job, `query($id: ID!) { importJob(id: $id) { status } }`, map[string]any{"id": started.StartImport.ID})
		if job.ImportJob.Status != "RUNNING" || time.Now().After(deadline) {
			break
		}
	}
	if job.ImportJob.Status != "NEEDS_DECISION" {
		t.Fatalf("import of a row with her phone: %s, want NEEDS_DECISION", job.ImportJob.Status)
	}
	var decided struct {
		DecideImportRow struct {
			Problems []struct {
				Line        int
				Code, Field string
			}
		}
	}
	s.MustAdmin(t, &decided, `mutation($j: ID!) { decideImportRow(jobId: $j, line: 2, accept: true, reason: "sales lead from the fair, checked by phone") { problems { line code field } } }`,
		map[string]any{"j": started.StartImport.ID})
	if p := decided.DecideImportRow.Problems; !slices.ContainsFunc(p, func(p struct {
		Line        int
		Code, Field string
	}) bool {
		return p.Line == 2 && p.Code == "CONTACT_BLOCKED" && p.Field == "consent"
	}) {
		t.Errorf("the job after accepting line 2: problems %+v, want CONTACT_BLOCKED on line 2, field consent", p)
	}

	var found struct {
		Contacts struct {
			Edges []struct {
				Node struct {
					ID       string
					Blocked  bool
					Consents []struct {
						Status  string
						Purpose struct{ Key string }
					}
				}
			}
		}
	}
	s.MustAdmin(t, &found, `{ contacts(search: "e.t.neu@firma.example", first: 5) { edges { node { id blocked consents { status purpose { key } } } } } }`, nil)
	if len(found.Contacts.Edges) != 1 {
		t.Fatalf("the accepted row: %+v, want one contact", found.Contacts)
	}
	n := found.Contacts.Edges[0].Node
	for _, c := range n.Consents {
		if c.Purpose.Key == "newsletter" && c.Status == "GRANTED" {
			t.Errorf("the accepted held row's record %s (blocked %v) got the file's newsletter consent: %+v", n.ID, n.Blocked, n.Consents)
		}
	}

	herSignUp(t, s, nil)
	if got := recipientsOf(t, s); slices.Contains(got, n.ID) {
		t.Errorf("newsletter recipients after her own sign-up for invitations = %v; want the record of the accepted row %s left out", got, n.ID)
	}
	s.AssertBlocksExact(t)
}
