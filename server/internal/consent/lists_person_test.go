package consent_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// recipientIDs are the ids of all recipients of the list on s.
func recipientIDs(t *testing.T, s *apptest.Server, listKey string) []string {
	t.Helper()
	var out struct {
		Recipients struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	s.MustAdmin(t, &out, `query($l: String!) { recipients(listKey: $l, first: 100) { edges { node { id } } } }`, map[string]any{"l": listKey})
	var ids []string
	for _, e := range out.Recipients.Edges {
		ids = append(ids, e.Node.ID)
	}
	slices.Sort(ids)
	return ids
}

// Erika Testfrau is on the German newsletter twice (sales entered her first, with her e-mail
// spelled otherwise). She clicks "unsubscribe" in the German newsletter sent to marketing's
// record. Later she signs up herself for the English newsletter (same purpose): a new consent,
// which her confirmation records on her oldest record, sales'. She gets the English newsletter
// — and must not get the German one again, which she left: an unsubscribe from a list ends the
// person's membership, not one record's, as its revocation is the person's. Before the fix
// sales' record stayed on the German list and came back with her new consent.
func TestUnsubscribeFromAListEndsThePersonsMembership(t *testing.T) {
	f := newFixture(t)
	f.list(t, "news-en", "Newsletter English", "newsletter")
	sales := f.subscribed(t, "E.", "Erika.Testfrau+shop@Example.ORG")
	time.Sleep(5 * time.Millisecond)
	marketing := f.subscribed(t, "Erika", "erika.testfrau@example.org")

	var link struct{ UnsubscribeLink string }
	f.MustAdmin(t, &link, `query($c: ID!) { unsubscribeLink(contactId: $c, listKey: "news-de") }`, map[string]any{"c": marketing})
	if code := apptest.OneClick(t, link.UnsubscribeLink); code != http.StatusOK {
		t.Fatalf("one-click POST: status %d", code)
	}
	if got := recipientIDs(t, f.Server, "news-de"); len(got) != 0 {
		t.Fatalf("German newsletter recipients after her unsubscribe = %v, want none", got)
	}

	var su struct{ SignUp struct{ ConfirmURL string } }
	f.MustAdmin(t, &su, `mutation { signUp(input: {email: "erika.testfrau@example.org", purposeKey: "newsletter", listKey: "news-en", source: "web form"}) { confirmURL } }`, nil)
	resp, err := http.PostForm(su.SignUp.ConfirmURL, url.Values{"confirm": {"yes"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("confirming her sign-up: status %d", resp.StatusCode)
	}
	if got := recipientIDs(t, f.Server, "news-en"); !slices.Equal(got, []string{sales}) {
		t.Errorf("English newsletter recipients after her sign-up = %v, want her oldest record %s", got, sales)
	}
	if got := recipientIDs(t, f.Server, "news-de"); len(got) != 0 {
		t.Errorf("German newsletter recipients after her sign-up for the English one = %v, want none: she unsubscribed from it", got)
	}
}
