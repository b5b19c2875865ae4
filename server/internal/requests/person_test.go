package requests_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// An access request is the person's: marketing and sales entered Erika twice (the e-mail
// spelled differently, the phone the same), and the answer must hold both records. A record
// that shares only a family's phone is someone else: keep leaves it out of the export, as
// eraseContact's keep keeps it out of an erasure.
func TestAccessRequestExportsEveryRecordOfThePerson(t *testing.T) {
	s := apptest.Start(t)
	marketing := newContact(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
		"emails": []string{"erika.testfrau@example.org"}, "phones": []string{"+49 30 5557001"}})
	sales := newContact(t, s, map[string]any{"givenName": "E.", "familyName": "Testfrau",
		"emails": []string{"Erika.Testfrau+angebot@example.org"}, "phones": []string{"+49 30 5557002"}})
	family := newContact(t, s, map[string]any{"givenName": "Hans", "familyName": "Testmann",
		"phones": []string{"030 5557002"}})
	stranger := newContact(t, s, map[string]any{"givenName": "Otto", "familyName": "Fremd",
		"emails": []string{"otto.fremd@example.org"}})

	type record struct {
		Contact struct {
			ID     string
			Emails []string
		}
	}
	var doc struct {
		record
		OtherRecords []record
	}
	exported := func(raw string) (named string, others []string) {
		t.Helper()
		doc.OtherRecords = nil
		if err := json.Unmarshal([]byte(raw), &doc); err != nil {
			t.Fatalf("export: %v", err)
		}
		for _, r := range doc.OtherRecords {
			others = append(others, r.Contact.ID)
		}
		slices.Sort(others)
		return doc.Contact.ID, others
	}
	want := []string{sales, family}
	slices.Sort(want)

	access := file(t, s, map[string]any{"kind": "ACCESS", "contactId": marketing, "channel": "letter"})
	var done struct{ CompleteRequest request }
	s.MustAdmin(t, &done, completeReq, map[string]any{"id": access.ID, "outcome": "Export sent by registered letter"})
	if done.CompleteRequest.Export == nil {
		t.Fatalf("completed access request without export: %+v", done.CompleteRequest)
	}
	named, others := exported(*done.CompleteRequest.Export)
	if named != marketing || !slices.Equal(others, want) {
		t.Errorf("access export of %s: the record %s, other records %v; want the sales record and the one sharing its phone %v, not %s",
			marketing, named, others, want, stranger)
	}

	// The admin looks first and names the family member's record as someone else.
	var out struct{ SubjectAccessExport string }
	s.MustAdmin(t, &out, `query($id: ID!, $keep: [ID!]) { subjectAccessExport(contactId: $id, keep: $keep) }`,
		map[string]any{"id": marketing, "keep": []string{family}})
	if _, others := exported(out.SubjectAccessExport); !slices.Equal(others, []string{sales}) {
		t.Errorf("export keeping %s apart: other records %v, want only the sales record %s", family, others, sales)
	}
	second := file(t, s, map[string]any{"kind": "PORTABILITY", "contactId": sales, "channel": "letter"})
	s.MustAdmin(t, &done, `mutation($id: ID!, $outcome: String!, $keep: [ID!]) { completeRequest(id: $id, outcome: $outcome, keep: $keep) { `+requestFields+` export } }`,
		map[string]any{"id": second.ID, "outcome": "Export sent by registered letter", "keep": []string{family}})
	if named, others := exported(*done.CompleteRequest.Export); named != sales || !slices.Equal(others, []string{marketing}) {
		t.Errorf("portability export of %s keeping %s apart: %s and %v, want %s and [%s]", sales, family, named, others, sales, marketing)
	}
}

// After her erasure, Erika's other open request has no contact left to compare a closing text
// with; a text quoting her e-mail or phone would keep her in the register for good. What the
// blacklist recognises of her is refused; a text without her passes.
func TestTextsAfterAnErasureMayNotQuoteTheErasedPerson(t *testing.T) {
	s := apptest.Start(t)
	erika := newContact(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
		"emails": []string{"erika.testfrau@example.org"}, "phones": []string{"+49 30 5557001"}})
	objection := file(t, s, map[string]any{"kind": "OBJECTION", "contactId": erika, "channel": "letter"})
	erasure := file(t, s, map[string]any{"kind": "ERASURE", "contactId": erika, "channel": "letter"})
	var done struct{ CompleteRequest request }
	s.MustAdmin(t, &done, completeReq, map[string]any{"id": erasure.ID, "outcome": "Erased everywhere on request"})

	for _, c := range []struct{ query, field, text string }{
		{rejectReq, "reason", "Erika.Testfrau+post@example.org was erased already"},
		{rejectReq, "reason", "erased already, see the call from 030 555 7001"},
		{completeReq, "outcome", "Nothing left to object to: erika.testfrau@example.org was erased"},
	} {
		vars := map[string]any{"id": objection.ID, "reason": c.text, "outcome": c.text}
		if reason, field := badInput(t, s, c.query, vars); reason != "REASON_HAS_PERSONAL_DATA" || field != c.field {
			t.Errorf("%q after her erasure: %s on %q, want REASON_HAS_PERSONAL_DATA on %s", c.text, reason, field, c.field)
		}
	}
	if reason, field := badInput(t, s, fileRequest, map[string]any{"in": map[string]any{"kind": "ACCESS",
		"channel": "e-mail from erika.testfrau@example.org"}}); reason != "REASON_HAS_PERSONAL_DATA" || field != "input.channel" {
		t.Errorf("a new request's channel quoting her: %s on %q, want REASON_HAS_PERSONAL_DATA on input.channel", reason, field)
	}
	var rejected struct{ RejectRequest request }
	s.MustAdmin(t, &rejected, rejectReq, map[string]any{"id": objection.ID, "reason": "The person was erased on request; nothing left to object to"})
	if rejected.RejectRequest.Status != "REJECTED" {
		t.Errorf("a text without her: %+v", rejected.RejectRequest)
	}
}

// A text about one record of a person may not name her through another record either: the
// sales record's e-mail in the closing text of a request filed on the marketing record stays
// after the erasure of both.
func TestTextsMayNotQuoteThePersonsOtherRecord(t *testing.T) {
	s := apptest.Start(t)
	marketing := newContact(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
		"emails": []string{"erika.testfrau@example.org"}, "phones": []string{"+49 30 5557001"}})
	newContact(t, s, map[string]any{"givenName": "E.", "familyName": "Vertriebsfrau",
		"emails": []string{"e.t.vertrieb@firma.example"}, "phones": []string{"030 5557001"}})
	access := file(t, s, map[string]any{"kind": "ACCESS", "contactId": marketing, "channel": "letter"})
	if reason, field := badInput(t, s, completeReq, map[string]any{"id": access.ID, "outcome": "Sent to e.t.vertrieb@firma.example"}); reason != "REASON_HAS_PERSONAL_DATA" || field != "outcome" {
		t.Errorf("an outcome quoting her other record's e-mail: %s on %q, want REASON_HAS_PERSONAL_DATA on outcome", reason, field)
	}
	if reason, field := badInput(t, s, fileRequest, map[string]any{"in": map[string]any{"kind": "OBJECTION", "contactId": marketing,
		"channel": "mail from e.t.vertrieb@firma.example"}}); reason != "REASON_HAS_PERSONAL_DATA" || field != "input.channel" {
		t.Errorf("a channel quoting her other record's e-mail: %s on %q, want REASON_HAS_PERSONAL_DATA on input.channel", reason, field)
	}
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	if reason, field := badInput(t, s, `mutation($c: ID!) { revokeConsent(input: {contactId: $c, purposeKey: "newsletter", channel: "anruf-vertriebsfrau"}) { id } }`,
		map[string]any{"c": marketing}); reason != "REASON_HAS_PERSONAL_DATA" {
		t.Errorf("a revocation channel naming her other record: %s on %q, want REASON_HAS_PERSONAL_DATA", reason, field)
	}
}

// neitherReceives fails t for each instance of a two-instance test whose recipients(news)
// holds one of her records; after says what happened before.
func neitherReceives(t *testing.T, a, b *apptest.Server, after string, records ...string) {
	t.Helper()
	for name, s := range map[string]*apptest.Server{"instance A": a, "instance B": b} {
		if got := recipientsOf(t, s); slices.ContainsFunc(records, func(r string) bool { return slices.Contains(got, r) }) {
			t.Errorf("%s: recipients after %s = %v; want none of her records %v", name, after, got, records)
		}
	}
}

// recipientsOf returns the ids recipients(news) returns on s.
func recipientsOf(t *testing.T, s *apptest.Server) []string {
	t.Helper()
	var out struct {
		Recipients struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	s.MustAdmin(t, &out, `{ recipients(listKey: "news", first: 100) { edges { node { id } } } }`, nil)
	ids := []string{}
	for _, e := range out.Recipients.Edges {
		ids = append(ids, e.Node.ID)
	}
	slices.Sort(ids)
	return ids
}

// subscribed creates a contact on the news list with a granted newsletter consent.
func subscribed(t *testing.T, s *apptest.Server, in map[string]any) string {
	t.Helper()
	id := newContact(t, s, in)
	vars := map[string]any{"c": id}
	s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { addToList(contactId: $c, listKey: "news") { id } }`, vars)
	s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { recordConsent(input: {contactId: $c, purposeKey: "newsletter", source: "web form"}) { id } }`, vars)
	return id
}

// An objection (Art. 21) or a restriction (Art. 18) filed on one record of Erika and
// completed holds for the person: marketing and sales entered her apart (the phone the same,
// the e-mails not), and after completeRequest neither record gets mail, on this instance and
// on a second one at once; her sales e-mail alone is recognised when entered again, also
// after staff took the shared phone off the sales record. A record named in keep (the
// family's phone) does not lend its own e-mail to the block.
func TestObjectionAndRestrictionHoldForThePerson(t *testing.T) {
	for _, kind := range []string{"OBJECTION", "RESTRICTION"} {
		t.Run(kind, func(t *testing.T) {
			a := apptest.Start(t)
			b := apptest.StartOn(t, a.DBURL)
			a.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
			a.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news", name: "News", purposeKey: "newsletter"}) { id } }`, nil)
			marketing := subscribed(t, a, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
				"emails": []string{"erika.testfrau@example.org"}, "phones": []string{"+49 30 5557001"}})
			sales := subscribed(t, a, map[string]any{"givenName": "E.", "familyName": "Testfrau",
				"emails": []string{"e.t.vertrieb@firma.example"}, "phones": []string{"030 5557001", "+49 30 5557002"}})
			family := subscribed(t, a, map[string]any{"givenName": "Hans", "familyName": "Testmann",
				"emails": []string{"hans.testmann@example.net"}, "phones": []string{"030 5557002"}})

			req := file(t, a, map[string]any{"kind": kind, "contactId": marketing, "channel": "letter"})
			var done struct{ CompleteRequest request }
			a.MustAdmin(t, &done, `mutation($id: ID!, $outcome: String!, $keep: [ID!]) { completeRequest(id: $id, outcome: $outcome, keep: $keep) { `+requestFields+` } }`,
				map[string]any{"id": req.ID, "outcome": "No more processing for advertising, confirmed by letter", "keep": []string{family}})
			if done.CompleteRequest.Status != "DONE" {
				t.Fatalf("completeRequest: %+v", done.CompleteRequest)
			}
			neitherReceives(t, a, b, "the completed "+kind+" request", marketing, sales)
			if got := recipientsOf(t, b); !slices.Contains(got, family) {
				t.Errorf("recipients = %v; want the family member %s named in keep", got, family)
			}
			// Staff correct the sales record: the mobile was a typo. She is still blocked.
			b.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { updateContact(id: $id, input: {phones: []}) { contact { id } } }`, map[string]any{"id": sales})
			if got := recipientsOf(t, b); slices.Contains(got, sales) {
				t.Errorf("recipients after the shared phone was taken off the sales record = %v; want it blocked by its own e-mail", got)
			}
			var scr struct{ Screen struct{ Blocked bool } }
			b.MustAdmin(t, &scr, `query($c: ContactInput!) { screen(candidate: $c) { blocked } }`,
				map[string]any{"c": map[string]any{"emails": []string{"E.T.Vertrieb@firma.example"}}})
			if !scr.Screen.Blocked {
				t.Errorf("instance B: screening her sales e-mail after the %s: not blocked", kind)
			}
			b.MustAdmin(t, &scr, `query($c: ContactInput!) { screen(candidate: $c) { blocked } }`,
				map[string]any{"c": map[string]any{"emails": []string{"hans.testmann@example.net"}}})
			if scr.Screen.Blocked {
				t.Errorf("the kept family member's own e-mail is blocked")
			}
		})
	}
}

// A request staff filed before they found Erika's record (no contact) keeps the note they
// wrote, which names her. Her erasure — through eraseContact or an ERASURE request — leaves no
// such note: the erasure blanks the notes of requests without a contact that quote her; a
// note about someone else stays.
func TestErasureBlanksNotesOfRequestsFiledWithoutHerRecord(t *testing.T) {
	for _, way := range []string{"eraseContact", "completeRequest"} {
		t.Run(way, func(t *testing.T) {
			s := apptest.Start(t)
			erika := newContact(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
				"emails": []string{"erika.testfrau@example.org"}, "phones": []string{"+49 30 5557001"}})
			newContact(t, s, map[string]any{"givenName": "E.", "familyName": "Vertrieb",
				"emails": []string{"e.t.vertrieb@firma.example"}, "phones": []string{"030 5557001"}})
			loose := []request{
				file(t, s, map[string]any{"kind": "ACCESS", "channel": "phone", "note": "Caller gave e.t.vertrieb@firma.example; find her record"}),
				file(t, s, map[string]any{"kind": "OBJECTION", "channel": "letter", "note": "Frau Testfrau, Hauptstr. 5, no more letters"}),
				file(t, s, map[string]any{"kind": "ACCESS", "channel": "letter", "note": "Otto Fremd wants a copy"}),
				file(t, s, map[string]any{"kind": "ACCESS", "channel": "mail from erika.testfrau@example.org"}),
			}
			switch way {
			case "eraseContact":
				s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { eraseContact(id: $id, reason: "request by letter") { contactId } }`, map[string]any{"id": erika})
			default:
				r := file(t, s, map[string]any{"kind": "ERASURE", "contactId": erika, "channel": "letter"})
				s.MustAdmin(t, &struct{}{}, completeReq, map[string]any{"id": r.ID, "outcome": "Erased everywhere on request"})
			}
			notes, channels := map[string]*string{}, map[string]string{}
			for _, r := range list(t, s, nil) {
				notes[r.ID], channels[r.ID] = r.Note, r.Channel
			}
			if c := channels[loose[3].ID]; strings.Contains(c, "testfrau") {
				t.Errorf("after her erasure (%s) the channel of request %s still reads %q", way, loose[3].ID, c)
			}
			for _, r := range loose[:2] {
				if n := notes[r.ID]; n != nil {
					t.Errorf("after her erasure (%s) the note of request %s still reads %q", way, r.ID, *n)
				}
			}
			if n := notes[loose[2].ID]; n == nil || *n != "Otto Fremd wants a copy" {
				t.Errorf("the note about someone else = %v, want it kept", n)
			}
		})
	}
}

// An objection from a person Vermerk knows by postal address only (the catalogue's mailing
// list) could not be completed: blocking needed an e-mail or phone (NOTHING_TO_BLOCK), and
// she stayed a recipient. Completing it now restricts her record itself: she leaves the
// recipients, her name and address warn when she is entered again, a merge carries the
// restriction to the surviving record, and when the entry ends she is a recipient again.
func TestObjectionBlocksARecordWithAPostalAddressOnly(t *testing.T) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Katalog per Post", legalBasis: CONSENT}) { id } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news", name: "Katalog", purposeKey: "newsletter"}) { id } }`, nil)
	address := map[string]any{"street": "Teststraße 5", "postalCode": "10115", "city": "Berlin"}
	erika := subscribed(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau", "address": address})
	other := subscribed(t, s, map[string]any{"givenName": "Otto", "familyName": "Fremd", "address": map[string]any{
		"street": "Beispielweg 1", "postalCode": "10117", "city": "Berlin"}})
	if got := recipientsOf(t, s); !slices.Contains(got, erika) {
		t.Fatalf("recipients before = %v, want %s", got, erika)
	}
	req := file(t, s, map[string]any{"kind": "OBJECTION", "contactId": erika, "channel": "letter"})
	var done struct{ CompleteRequest request }
	s.MustAdmin(t, &done, completeReq, map[string]any{"id": req.ID, "outcome": "No more advertising by post, confirmed by letter"})
	if done.CompleteRequest.Status != "DONE" {
		t.Fatalf("completeRequest: %+v", done.CompleteRequest)
	}
	if got := recipientsOf(t, s); slices.Contains(got, erika) || !slices.Contains(got, other) {
		t.Errorf("recipients after her objection = %v; want %s without %s", got, other, erika)
	}
	s.AssertBlocksExact(t)

	var screened struct {
		Screen struct {
			Blocked bool
			Matches []struct{ Field string }
		}
	}
	s.MustAdmin(t, &screened, `query($in: ContactInput!) { screen(candidate: $in) { blocked matches { field } } }`,
		map[string]any{"in": map[string]any{"givenName": "Erika", "familyName": "Testfrau", "address": address}})
	if len(screened.Screen.Matches) != 1 || screened.Screen.Matches[0].Field != "NAME_AND_ADDRESS" {
		t.Errorf("screening her name and address again: %+v, want a NAME_AND_ADDRESS match", screened.Screen)
	}

	// Staff find her entered a second time (an old typo of her street) and merge it into the
	// restricted record's place: the survivor is restricted.
	second := subscribed(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
		"address": map[string]any{"street": "Teststr. 5a", "postalCode": "10115", "city": "Berlin"}})
	s.MustAdmin(t, &struct{}{}, `mutation($into: ID!, $from: [ID!]!) { mergeContacts(intoId: $into, fromIds: $from, reason: "one person entered twice") { id } }`,
		map[string]any{"into": second, "from": []string{erika}})
	if got := recipientsOf(t, s); slices.Contains(got, second) {
		t.Errorf("recipients after the merge = %v; want the survivor %s left out", got, second)
	}
	s.AssertBlocksExact(t)

	var entries struct {
		Blacklist struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	s.MustAdmin(t, &entries, `{ blacklist(first: 10) { edges { node { id } } } }`, nil)
	if len(entries.Blacklist.Edges) != 1 {
		t.Fatalf("blacklist: %+v, want her one entry", entries.Blacklist)
	}
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { blacklistRemove(id: $id, reason: "objection withdrawn in writing") { id } }`,
		map[string]any{"id": entries.Blacklist.Edges[0].Node.ID})
	if got := recipientsOf(t, s); !slices.Contains(got, second) {
		t.Errorf("recipients after the entry ended = %v; want %s again", got, second)
	}
	s.AssertBlocksExact(t)
}
