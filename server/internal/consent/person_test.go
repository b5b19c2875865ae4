package consent_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

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
				resp, err := http.PostForm(link.UnsubscribeLink, url.Values{"List-Unsubscribe": {"One-Click"}})
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("one-click POST: status %d", resp.StatusCode)
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
