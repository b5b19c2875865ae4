package contacts_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// Erika Testfrau is on the newsletter twice, as sales' record (her work address, on the list
// since before anything else happened) and marketing's (her home address): two records nobody
// knows to be one person. She leaves the newsletter through marketing's link, then asks to be
// put back (staff do so with a reason, she confirms a new "yes" with evidence). Merging the two
// records must keep her on the list she joined again: the membership begun after her departure
// is hers, and sales' older one ending does not end it. Before, the merge gave the survivor the
// oldest membership's time, and her departure ended it: she got no newsletter she asked for.
func TestMergeKeepsAMembershipBegunAfterSheLeft(t *testing.T) {
	for _, intoSales := range []bool{true, false} {
		s := apptest.Start(t)
		s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
		s.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news", name: "News", purposeKey: "newsletter"}) { id } }`, nil)
		onList := func(given, email string) string {
			id := create(t, s, map[string]any{"givenName": given, "familyName": "Testfrau", "emails": []string{email}})
			s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { addToList(contactId: $c, listKey: "news") { id } }`, map[string]any{"c": id})
			s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { recordConsent(input: {contactId: $c, purposeKey: "newsletter", source: "web form", evidence: "form v3"}) { id } }`,
				map[string]any{"c": id})
			return id
		}
		sales := onList("E.", "e.testfrau@firma.example.test")
		marketing := onList("Erika", "erika.testfrau@example.test")

		var link struct{ UnsubscribeLink string }
		s.MustAdmin(t, &link, `query($c: ID!) { unsubscribeLink(contactId: $c, listKey: "news") }`, map[string]any{"c": marketing})
		if code := apptest.OneClick(t, link.UnsubscribeLink); code != http.StatusOK {
			t.Fatalf("one-click POST: status %d", code)
		}
		s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { addToList(contactId: $c, listKey: "news", reason: "she asked by phone to get it again") { id } }`,
			map[string]any{"c": marketing})
		s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { recordConsent(input: {contactId: $c, purposeKey: "newsletter", source: "phone", evidence: "call of 2026-12-01, confirmed by mail"}) { id } }`,
			map[string]any{"c": marketing})

		into, from := marketing, sales
		if intoSales {
			into, from = sales, marketing
		}
		var m merged
		s.MustAdmin(t, &m, mergeContacts, map[string]any{"into": into, "from": []string{from}, "reason": "same person, work and home address"})
		keys := []string{}
		for _, l := range m.MergeContacts.Lists {
			keys = append(keys, l.Key)
		}
		if !slices.Equal(keys, []string{"news"}) {
			t.Errorf("merged into %s's record: lists %v, want [news]: she joined it again after she left", map[bool]string{true: "sales", false: "marketing"}[intoSales], keys)
		}
	}
}
