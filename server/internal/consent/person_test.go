package consent_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// A revocation is the person's, not one record's (DESIGN rules 4 and 8): two departments
// entered Erika Testfrau twice, with her e-mail spelled differently and both on the
// newsletter. She says no on one record — by staff, or by the link in a newsletter sent to
// that record — and the other record must stop at once too, on every instance, with its
// own ledger entry and event; a look-alike by name and address alone is someone else.
func TestRevocationStopsEveryRecordOfThePerson(t *testing.T) {
	for _, how := range []string{"revokeConsent", "unsubscribe link"} {
		t.Run(how, func(t *testing.T) {
			f := newFixture(t)
			second := apptest.StartOn(t, f.DBURL)
			mk := func(given string, in map[string]any) string {
				in["givenName"], in["familyName"] = given, "Testfrau"
				var out struct {
					CreateContact struct{ Contact *struct{ ID string } }
				}
				f.MustAdmin(t, &out, `mutation($in: ContactInput!) { createContact(input: $in) { contact { id } } }`, map[string]any{"in": in})
				if out.CreateContact.Contact == nil {
					t.Fatalf("createContact(%v) wrote nothing", in)
				}
				return out.CreateContact.Contact.ID
			}
			addr := map[string]any{"street": "Musterstraße 1", "postalCode": "10115", "city": "Berlin"}
			marketing := mk("Erika", map[string]any{"emails": []string{"erika.testfrau@example.org"}, "phones": []string{"030 5550199"}})
			sales := mk("Erika", map[string]any{"emails": []string{"Erika.Testfrau+shop@Example.ORG"}, "address": addr})
			byPhone := mk("E.", map[string]any{"phones": []string{"+49 30 5550199"}, "emails": []string{"et@example.net"}})
			lookAlike := mk("Erika", map[string]any{"emails": []string{"erika.t@example.com"}, "address": addr})
			for _, id := range []string{marketing, sales, byPhone, lookAlike} {
				f.addToList(t, id, "news-de")
				f.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { recordConsent(input: {contactId: $c, purposeKey: "newsletter", source: "web form"}) { id } }`,
					map[string]any{"c": id})
			}
			cursor := f.Cursor(t)

			switch how {
			case "revokeConsent":
				f.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { revokeConsent(input: {contactId: $c, purposeKey: "newsletter", channel: "phone"}) { id } }`,
					map[string]any{"c": marketing})
			default:
				var link struct{ UnsubscribeLink string }
				f.MustAdmin(t, &link, `query($c: ID!) { unsubscribeLink(contactId: $c, listKey: "news-de") }`, map[string]any{"c": marketing})
				if code := apptest.OneClick(t, link.UnsubscribeLink); code != http.StatusOK {
					t.Fatalf("one-click POST: status %d", code)
				}
			}

			for name, s := range map[string]*apptest.Server{"this instance": f.Server, "second instance": second} {
				var rec struct {
					Recipients struct {
						Edges []struct{ Node struct{ ID string } }
					}
				}
				s.MustAdmin(t, &rec, `{ recipients(listKey: "news-de") { edges { node { id } } } }`, nil)
				var got []string
				for _, e := range rec.Recipients.Edges {
					got = append(got, e.Node.ID)
				}
				if !slices.Equal(got, []string{lookAlike}) {
					t.Errorf("%s: recipients after %s on one record = %v, want only the look-alike %s (not %s, %s, %s)",
						name, how, got, lookAlike, marketing, sales, byPhone)
				}
			}
			for _, id := range []string{sales, byPhone} {
				var c struct {
					Contact struct{ Consents []consentOut }
				}
				f.MustAdmin(t, &c, `query($id: ID!) { contact(id: $id) { consents { status history { status source recordedBy at } } } }`,
					map[string]any{"id": id})
				cs := c.Contact.Consents
				if len(cs) != 1 || cs[0].Status != "REVOKED" || len(cs[0].History) != 2 || cs[0].History[1].Status != "REVOKED" ||
					cs[0].History[1].RecordedBy == "" {
					t.Errorf("the same person's record %s: consents %+v, want REVOKED with its own ledger entry", id, cs)
				}
			}
			var revoked []string
			rows, err := f.Conn(t).Query(context.Background(), `SELECT contact_id::text FROM events WHERE kind = 'CONSENT_REVOKED' AND id > $1 ORDER BY contact_id`,
				strings.TrimSpace(cursor))
			if err == nil {
				for rows.Next() {
					var id string
					_ = rows.Scan(&id)
					revoked = append(revoked, id)
				}
				err = rows.Err()
			}
			want := []string{marketing, sales, byPhone}
			slices.Sort(want)
			if err != nil || !slices.Equal(revoked, want) {
				t.Errorf("CONSENT_REVOKED events for %v (%v), want one for each record of the person %v", revoked, err, want)
			}
		})
	}
}

// Sales enters Erika Testfrau after she said no to the newsletter on marketing's record, and
// types in the paper form she signed at a fair before that: the older grant does not undo
// her "no" on the new record either. A grant given after it (here: now) does.
func TestOlderGrantOnALaterRecordKeepsThePersonsRevocation(t *testing.T) {
	f := newFixture(t)
	mk := func(email string) string {
		var out struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		f.MustAdmin(t, &out, `mutation($e: String!) { createContact(input: {givenName: "Erika", familyName: "Testfrau", emails: [$e]}) { contact { id } } }`,
			map[string]any{"e": email})
		return out.CreateContact.Contact.ID
	}
	marketing := mk("erika.testfrau@example.org")
	f.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { revokeConsent(input: {contactId: $c, purposeKey: "newsletter", channel: "letter"}) { id } }`,
		map[string]any{"c": marketing})
	sales := mk("ERIKA.TESTFRAU+fair@example.org")
	f.addToList(t, sales, "news-de")

	grant := func(givenAt any) consentOut {
		var out struct{ RecordConsent consentOut }
		f.MustAdmin(t, &out, `mutation($c: ID!, $g: Time) { recordConsent(input: {contactId: $c, purposeKey: "newsletter", source: "fair",
			evidence: "paper form", givenAt: $g}) { status noticeCode history { status source evidence } } }`,
			map[string]any{"c": sales, "g": givenAt})
		return out.RecordConsent
	}
	recipients := func() int {
		var rec struct {
			Recipients struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		f.MustAdmin(t, &rec, `{ recipients(listKey: "news-de") { edges { node { id } } } }`, nil)
		return len(rec.Recipients.Edges)
	}
	c := grant(time.Now().AddDate(0, -1, 0).UTC().Format(time.RFC3339))
	if c.Status != "REVOKED" || c.NoticeCode == nil || *c.NoticeCode != "OLDER_THAN_REVOCATION" || recipients() != 0 {
		t.Errorf("a grant of last month on the later record: %+v, %d recipients; want REVOKED, OLDER_THAN_REVOCATION, none", c, recipients())
	}
	if c = grant(nil); c.Status != "GRANTED" || recipients() != 1 {
		t.Errorf("a grant given now: %+v, %d recipients; want GRANTED and a recipient", c, recipients())
	}
}

// Revocation is immediate everywhere: a recipients cursor taken before it does not carry the
// person on, a second instance on the same database leaves her out at once, and a purpose
// whose legal basis is CONTRACT still releases only granted members.
func TestRevocationHoldsForAnOldCursorASecondInstanceAndEveryLegalBasis(t *testing.T) {
	f := newFixture(t)
	second := apptest.StartOn(t, f.DBURL)
	f.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "contract-mail", name: "Vertragspost", legalBasis: CONTRACT}) { id } }`, nil)
	f.list(t, "kunden", "Kunden", "contract-mail")
	var ids []string
	// family names of different lengths: the fixture's phone numbers differ, so three people
	for _, name := range []string{"Testfrau", "Testfrauen", "Testfrauenzimmer"} {
		id := f.contact(t, "Erika", name)
		ids = append(ids, id)
		f.addToList(t, id, "news-de")
		f.addToList(t, id, "kunden")
		f.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { recordConsent(input: {contactId: $c, purposeKey: "newsletter", source: "web form"}) { id } }`,
			map[string]any{"c": id})
	}
	slices.Sort(ids)
	page := func(s *apptest.Server, list, after string) (got []string, end string) {
		var rec struct {
			Recipients struct {
				Edges    []struct{ Node struct{ ID string } }
				PageInfo struct{ EndCursor *string }
			}
		}
		vars := map[string]any{"l": list, "a": nil}
		if after != "" {
			vars["a"] = after
		}
		s.MustAdmin(t, &rec, `query($l: String!, $a: String) { recipients(listKey: $l, first: 1, after: $a) { edges { node { id } } pageInfo { endCursor } } }`, vars)
		for _, e := range rec.Recipients.Edges {
			got = append(got, e.Node.ID)
		}
		if rec.Recipients.PageInfo.EndCursor != nil {
			end = *rec.Recipients.PageInfo.EndCursor
		}
		return got, end
	}
	first, cursor := page(f.Server, "news-de", "")
	if !slices.Equal(first, ids[:1]) {
		t.Fatalf("first page %v, want %v", first, ids[:1])
	}
	f.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { revokeConsent(input: {contactId: $c, purposeKey: "newsletter", channel: "e-mail"}) { id } }`,
		map[string]any{"c": ids[1]})
	for name, s := range map[string]*apptest.Server{"this instance": f.Server, "second instance": second} {
		if next, _ := page(s, "news-de", cursor); !slices.Equal(next, ids[2:3]) {
			t.Errorf("%s: the page after a cursor taken before the revocation = %v, want %v (not the revoked %s)", name, next, ids[2:3], ids[1])
		}
	}
	if got, _ := page(second, "kunden", ""); len(got) != 0 {
		t.Errorf("a CONTRACT purpose's list without any granted consent released %v", got)
	}
}

// A record that becomes the person's later — sales adds her e-mail to its record — takes on
// her revocation when its grant is older than it; a grant given after the revocation stays.
func TestRecordJoiningThePersonTakesOnHerRevocation(t *testing.T) {
	f := newFixture(t)
	mk := func(email, phone string) string {
		var out struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		f.MustAdmin(t, &out, `mutation($e: String!, $p: String!) { createContact(input: {givenName: "Erika", familyName: "Testfrau", emails: [$e], phones: [$p]}) { contact { id } } }`,
			map[string]any{"e": email, "p": phone})
		f.addToList(t, out.CreateContact.Contact.ID, "news-de")
		f.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { recordConsent(input: {contactId: $c, purposeKey: "newsletter", source: "web form"}) { id } }`,
			map[string]any{"c": out.CreateContact.Contact.ID})
		return out.CreateContact.Contact.ID
	}
	marketing := mk("erika.testfrau@example.org", "+49 30 5550101")
	sales := mk("e.testfrau@example.com", "+49 30 5550102")
	f.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { revokeConsent(input: {contactId: $c, purposeKey: "newsletter", channel: "letter"}) { id } }`,
		map[string]any{"c": marketing})
	later := mk("testfrau.erika@example.net", "+49 30 5550103") // granted after her "no"

	for _, u := range []struct{ id, email, phone string }{
		{sales, "Erika.Testfrau@Example.org", "+49 30 5550102"},
		{later, "testfrau.erika@example.net", "030 5550101"},
	} {
		var out struct {
			UpdateContact struct{ Contact *struct{ ID string } }
		}
		f.MustAdmin(t, &out, `mutation($id: ID!, $e: String!, $p: String!) { updateContact(id: $id, input: {emails: [$e], phones: [$p]}) { contact { id } } }`,
			map[string]any{"id": u.id, "e": u.email, "p": u.phone})
		if out.UpdateContact.Contact == nil {
			t.Fatalf("updateContact(%s) wrote nothing", u.id)
		}
	}
	var rec struct {
		Recipients struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	f.MustAdmin(t, &rec, `{ recipients(listKey: "news-de") { edges { node { id } } } }`, nil)
	var got []string
	for _, e := range rec.Recipients.Edges {
		got = append(got, e.Node.ID)
	}
	if !slices.Equal(got, []string{later}) {
		t.Errorf("recipients = %v, want only %s, whose grant is later than her revocation (not the sales record %s, granted before it)", got, later, sales)
	}
}

// A phone shared by more records than one person has (an office's switchboard) makes no one
// person: a revocation stays on the record it was said on, and the audit says why the others
// were not reached, instead of nothing.
func TestARevocationOnASwitchboardNumberSaysWhyItStaysOnOneRecord(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var first string
	if err := f.App.DB.Pool.QueryRow(ctx, `WITH c AS (
			INSERT INTO contacts (given_name, family_name, sort_key, search_text)
			SELECT 'Test', 'Zentrale ' || g, 'zentrale ' || g, '' FROM generate_series(1, 201) g RETURNING id),
		p AS (INSERT INTO contact_phones (contact_id, position, number) SELECT id, 0, '+49305550100' FROM c)
		SELECT min(id::text) FROM c`).Scan(&first); err != nil {
		t.Fatal(err)
	}
	var out struct{ RevokeConsent struct{ ID string } }
	f.MustAdmin(t, &out, `mutation($c: ID!) { revokeConsent(input: {contactId: $c, purposeKey: "newsletter", channel: "phone"}) { id } }`,
		map[string]any{"c": first})
	var outcome string
	var revoked int
	if err := f.App.DB.Pool.QueryRow(ctx, `SELECT outcome, (SELECT count(*) FROM consent_events WHERE status = 'REVOKED')
		FROM audit_log WHERE operation = 'revokeConsent' AND contact_id = $1`, first).Scan(&outcome, &revoked); err != nil {
		t.Fatal(err)
	}
	if revoked != 1 || !strings.Contains(outcome, "not on other records: more than 200 records share") {
		t.Errorf("revocation on a number 201 records share: %d ledger entries, audit outcome %q; want 1 and why", revoked, outcome)
	}
}
