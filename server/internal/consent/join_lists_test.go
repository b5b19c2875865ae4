package consent_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// Erika Testfrau unsubscribes from the German newsletter through the link of marketing's
// record. Sales' record of her (another e-mail, on the same list since before her "no") is
// not known as hers yet. Later it becomes hers — on another instance, by each way a record
// joins a person — and she signs up herself for the English newsletter (same purpose) on
// it. She must get the English one and not the German one, which she left: the record that
// joined her leaves the lists she left after its membership there began.
func TestARecordThatJoinsHerLeavesTheListsSheLeft(t *testing.T) {
	cases := []struct {
		name string
		// join makes sales' record hers on the second instance; it returns the record her
		// later sign-up is recorded on.
		join func(t *testing.T, s *apptest.Server, marketing, sales string) string
	}{
		{"updateContact adds her e-mail", func(t *testing.T, s *apptest.Server, marketing, sales string) string {
			s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { updateContact(id: $id, input: {emails: ["e.testfrau@example.com", "erika.testfrau@example.org"]}) { contact { id } } }`,
				map[string]any{"id": sales})
			return sales
		}},
		{"mergeContacts into sales' record", func(t *testing.T, s *apptest.Server, marketing, sales string) string {
			s.MustAdmin(t, &struct{}{}, `mutation($into: ID!, $from: ID!) { mergeContacts(intoId: $into, fromIds: [$from], reason: "same person, entered twice") { id } }`,
				map[string]any{"into": sales, "from": marketing})
			return sales
		}},
		{"mergeContacts into marketing's record", func(t *testing.T, s *apptest.Server, marketing, sales string) string {
			s.MustAdmin(t, &struct{}{}, `mutation($into: ID!, $from: ID!) { mergeContacts(intoId: $into, fromIds: [$from], reason: "same person, entered twice") { id } }`,
				map[string]any{"into": marketing, "from": sales})
			return marketing
		}},
		{"createContact of a record sharing an identifier with each", func(t *testing.T, s *apptest.Server, marketing, sales string) string {
			s.MustAdmin(t, &struct{}{}, `mutation { createContact(input: {givenName: "Erika", familyName: "Testfrau",
				emails: ["erika.testfrau@example.org"], phones: ["+49 30 12345671"]}) { contact { id } } }`, nil)
			return sales
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.list(t, "news-en", "Newsletter English", "newsletter")
			second := apptest.StartOn(t, f.DBURL)
			mk := func(given, email string, phones ...string) string {
				var out struct {
					CreateContact struct{ Contact struct{ ID string } }
				}
				f.MustAdmin(t, &out, `mutation($g: String!, $e: String!, $p: [String!]) { createContact(input: {givenName: $g, familyName: "Testfrau", emails: [$e], phones: $p}) { contact { id } } }`,
					map[string]any{"g": given, "e": email, "p": phones})
				id := out.CreateContact.Contact.ID
				f.addToList(t, id, "news-de")
				f.grant(t, id, "newsletter", "web form", nil)
				return id
			}
			sales := mk("E.", "e.testfrau@example.com", "+49 30 12345671")
			marketing := mk("Erika", "erika.testfrau@example.org")

			var link struct{ UnsubscribeLink string }
			f.MustAdmin(t, &link, `query($c: ID!) { unsubscribeLink(contactId: $c, listKey: "news-de") }`, map[string]any{"c": marketing})
			if code := apptest.OneClick(t, link.UnsubscribeLink); code != http.StatusOK {
				t.Fatalf("one-click POST: status %d", code)
			}
			if got := recipientIDs(t, f.Server, "news-de"); !slices.Equal(got, []string{sales}) {
				t.Fatalf("German newsletter recipients after her unsubscribe = %v, want only sales' record %s, not known as hers yet", got, sales)
			}

			hers := c.join(t, second, marketing, sales)
			if got := recipientIDs(t, f.Server, "news-de"); len(got) != 0 {
				t.Fatalf("German newsletter recipients once sales' record is hers = %v, want none", got)
			}

			// Her own sign-up for the English newsletter, recorded on the record that is hers now.
			second.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { addToList(contactId: $c, listKey: "news-en") { id } }`, map[string]any{"c": hers})
			second.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { recordConsent(input: {contactId: $c, purposeKey: "newsletter", source: "web form", evidence: "double opt-in, confirmed from her mailbox"}) { id } }`, map[string]any{"c": hers})
			if got := recipientIDs(t, f.Server, "news-en"); !slices.Equal(got, []string{hers}) {
				t.Errorf("English newsletter recipients after her sign-up = %v, want %s", got, hers)
			}
			if got := recipientIDs(t, f.Server, "news-de"); len(got) != 0 {
				t.Errorf("German newsletter recipients after her sign-up for the English one = %v, want none: she left it", got)
			}
		})
	}
}

// What she did after she left stays hers: she left the German newsletter, then signed up for
// it again with her work address (a new record, a membership and a grant later than her
// "no"). When that record becomes known as hers, it stays on the list and a recipient.
func TestARecordThatJoinsHerKeepsAMembershipBegunAfterSheLeft(t *testing.T) {
	f := newFixture(t)
	second := apptest.StartOn(t, f.DBURL)
	var out struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	f.MustAdmin(t, &out, `mutation { createContact(input: {givenName: "Erika", familyName: "Testfrau", emails: ["erika.testfrau@example.org"]}) { contact { id } } }`, nil)
	home := out.CreateContact.Contact.ID
	f.addToList(t, home, "news-de")
	f.grant(t, home, "newsletter", "web form", nil)
	var link struct{ UnsubscribeLink string }
	f.MustAdmin(t, &link, `query($c: ID!) { unsubscribeLink(contactId: $c, listKey: "news-de") }`, map[string]any{"c": home})
	if code := apptest.OneClick(t, link.UnsubscribeLink); code != http.StatusOK {
		t.Fatalf("one-click POST: status %d", code)
	}

	f.MustAdmin(t, &out, `mutation { createContact(input: {givenName: "Erika", familyName: "Testfrau", emails: ["e.testfrau@example.com"]}) { contact { id } } }`, nil)
	work := out.CreateContact.Contact.ID
	f.addToList(t, work, "news-de")
	f.grant(t, work, "newsletter", "web form", nil)

	second.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { updateContact(id: $id, input: {emails: ["e.testfrau@example.com", "erika.testfrau@example.org"]}) { contact { id } } }`,
		map[string]any{"id": work})
	if got := recipientIDs(t, f.Server, "news-de"); !slices.Equal(got, []string{work}) {
		t.Errorf("German newsletter recipients once her later sign-up's record is known as hers = %v, want %s", got, work)
	}
}

// She left the German newsletter through the link of marketing's record. Staff of sales, on
// another instance, put sales' record of her (another e-mail, the same phone) back on it: that
// is refused with LIST_LEFT until a reason says she asked for it (audited; a reason quoting
// her is refused too), and then her record is a member again. Her later "yes" to the purpose
// was what the refusal guarded: without it, a grant made her a recipient of the list she left.
func TestPuttingHerBackOnAListSheLeftNeedsAReason(t *testing.T) {
	f := newFixture(t)
	second := apptest.StartOn(t, f.DBURL)
	mk := func(given, email string) string {
		var out struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		f.MustAdmin(t, &out, `mutation($g: String!, $e: String!) { createContact(input: {givenName: $g, familyName: "Testfrau", emails: [$e], phones: ["+49 30 12345671"]}) { contact { id } } }`,
			map[string]any{"g": given, "e": email})
		id := out.CreateContact.Contact.ID
		f.addToList(t, id, "news-de")
		f.grant(t, id, "newsletter", "web form", nil)
		return id
	}
	marketing := mk("Erika", "erika.testfrau@example.org")
	sales := mk("E.", "e.testfrau@example.com")
	var link struct{ UnsubscribeLink string }
	f.MustAdmin(t, &link, `query($c: ID!) { unsubscribeLink(contactId: $c, listKey: "news-de") }`, map[string]any{"c": marketing})
	if code := apptest.OneClick(t, link.UnsubscribeLink); code != http.StatusOK {
		t.Fatalf("one-click POST: status %d", code)
	}

	count := func(sql string, args ...any) int {
		t.Helper()
		var n int
		if err := f.App.DB.Pool.QueryRow(t.Context(), sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	const putBack = `mutation($c: ID!, $r: String) { addToList(contactId: $c, listKey: "news-de", reason: $r) { lists { key } } }`
	for _, reason := range []any{nil, "  "} {
		res := second.Admin(t, putBack, map[string]any{"c": sales, "r": reason})
		if len(res.Errors) != 1 || res.Errors[0].Extensions["reason"] != "LIST_LEFT" || res.Errors[0].Field() != "contactId" {
			t.Fatalf("addToList of her record without a reason (%v): %+v, want LIST_LEFT on contactId", reason, res.Errors)
		}
	}
	res := second.Admin(t, putBack, map[string]any{"c": sales, "r": "asked by phone to get it again, call of 2026-12-01 (Testfrau)"})
	if len(res.Errors) != 1 || res.Errors[0].Extensions["reason"] != "REASON_HAS_PERSONAL_DATA" {
		t.Fatalf("a reason naming her: %+v, want REASON_HAS_PERSONAL_DATA", res.Errors)
	}
	if n := count(`SELECT count(*) FROM list_members WHERE contact_id = ANY($1::uuid[])`, []string{marketing, sales}); n != 0 {
		t.Fatalf("%d memberships of hers after the refusals, want none", n)
	}
	// Her next "yes" to the purpose (evidence: a consent after her no needs it) reaches neither
	// record through the German newsletter.
	f.grant(t, marketing, "newsletter", "web form", "double opt-in for the English edition, confirmed from her mailbox")
	if got := recipientIDs(t, f.Server, "news-de"); len(got) != 0 {
		t.Fatalf("German newsletter recipients after her yes to the purpose = %v, want none", got)
	}

	var out struct {
		AddToList struct{ Lists []struct{ Key string } }
	}
	second.MustAdmin(t, &out, putBack, map[string]any{"c": sales, "r": "she asked by phone to get it again, call of 2026-12-01"})
	if len(out.AddToList.Lists) != 1 || out.AddToList.Lists[0].Key != "news-de" {
		t.Fatalf("lists after putting her back with a reason: %+v", out.AddToList.Lists)
	}
	if n := count(`SELECT count(*) FROM audit_log WHERE operation = 'addToList' AND contact_id = $1
		AND outcome LIKE 'ok: put back on a list the person left%' AND reason = 'she asked by phone to get it again, call of 2026-12-01'`, sales); n != 1 {
		t.Fatalf("%d audit rows of putting her back with the reason, want 1", n)
	}
	// Back on it, she has joined it again: her other record needs no second reason.
	f.addToList(t, marketing, "news-de")
}
