package unsubscribe_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/apptest/gqlws"
)

// Erika Testfrau is on the newsletter twice (her address spelled two ways). Her "no" comes
// through the newsletter tool's integrator token (bound to the purpose) or through her
// one-click link POSTed to the second instance: both her records leave the recipients on both
// instances, every admin subscriber (one on each instance) and the webhook bound to the
// purpose get one CONSENT_REVOKED per record (docs/integrators.md), and Max stays.
func TestHerNoReachesEverySubscriberAndBoundWebhookOncePerRecord(t *testing.T) {
	for _, how := range []string{"integrator revokeConsent", "unsubscribe link"} {
		t.Run(how, func(t *testing.T) {
			f := newFixture(t)
			second := apptest.StartOn(t, f.DBURL)
			var tok struct{ CreateApiToken struct{ Secret string } }
			f.MustAdmin(t, &tok, `mutation { createApiToken(name: "newsletter tool", role: INTEGRATOR, purposeKeys: ["newsletter"]) { secret } }`, nil)
			shop := tok.CreateApiToken.Secret

			mk := func(email string) string {
				var out struct {
					CreateContact struct{ Contact struct{ ID string } }
				}
				f.MustAdmin(t, &out, `mutation($e: String!) { createContact(input: {givenName: "Erika", familyName: "Testfrau", emails: [$e]}) { contact { id } } }`,
					map[string]any{"e": email})
				id := out.CreateContact.Contact.ID
				f.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { addToList(contactId: $c, listKey: "news-de") { id } }`, map[string]any{"c": id})
				f.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { recordConsent(input: {contactId: $c, purposeKey: "newsletter", source: "web form"}) { id } }`, map[string]any{"c": id})
				return id
			}
			one := mk("Erika.Testfrau+x@example.org")
			two := mk("erika.testfrau@example.org")
			other := f.subscriber(t, "Max", "Muster")

			hooks, hookSrv := newHookReceiver(t, "whsec-0123456789abcdef", 0)
			f.MustAdmin(t, &struct{}{}, `mutation($u: String!) { createWebhook(input: {url: $u, kinds: [CONSENT_REVOKED], purposeKeys: ["newsletter"], secret: "whsec-0123456789abcdef"}) { id } }`,
				map[string]any{"u": hookSrv.URL + "/hooks"})
			cursor := f.Cursor(t)
			var subs []*gqlws.Conn
			for _, s := range []*apptest.Server{f.Server, second} {
				ws, err := gqlws.Dial(t.Context(), s.WSURL(), apptest.AdminToken, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer ws.CloseNow()
				if err := ws.Subscribe(t.Context(), "1", `subscription($a: String) { revocations(after: $a) { kind contactId channel } }`, map[string]any{"a": cursor}); err != nil {
					t.Fatal(err)
				}
				subs = append(subs, ws)
			}

			switch how {
			case "unsubscribe link":
				var link struct{ UnsubscribeLink string }
				if res := f.Do(t, shop, `query($c: ID!) { unsubscribeLink(contactId: $c, listKey: "news-de") }`, map[string]any{"c": one}); len(res.Errors) > 0 {
					t.Fatal(res.Errors)
				} else {
					res.Decode(t, &link)
				}
				onSecond := second.URL + link.UnsubscribeLink[strings.Index(link.UnsubscribeLink, "/unsubscribe/"):]
				if a := postForm(t, onSecond, oneClick); a.Status != http.StatusOK {
					t.Fatalf("one-click on the second instance: %d", a.Status)
				}
			default:
				if res := second.Do(t, shop, `mutation($c: ID!) { revokeConsent(input: {contactId: $c, purposeKey: "newsletter", channel: "e-mail"}) { status } }`,
					map[string]any{"c": one}); len(res.Errors) > 0 {
					t.Fatal(res.Errors)
				}
			}

			for name, s := range map[string]*apptest.Server{"first": f.Server, "second": second} {
				var rec struct {
					Recipients struct {
						Edges []struct{ Node struct{ ID string } }
					}
				}
				if res := s.Do(t, shop, `{ recipients(listKey: "news-de") { edges { node { id } } } }`, nil); len(res.Errors) > 0 {
					t.Fatal(res.Errors)
				} else {
					res.Decode(t, &rec)
				}
				if len(rec.Recipients.Edges) != 1 || rec.Recipients.Edges[0].Node.ID != other {
					t.Errorf("%s instance: recipients %+v, want only %s", name, rec.Recipients.Edges, other)
				}
			}
			want := []string{one, two}
			slices.Sort(want)
			for i, ws := range subs {
				var got []string
				for range 2 {
					msg, err := ws.Read(ctxTimeout(t, 10*time.Second))
					if err != nil {
						t.Fatalf("subscriber %d: %v (got %v)", i, err, got)
					}
					var r struct {
						Data struct {
							Revocations struct{ Kind, ContactID string }
						}
					}
					_ = json.Unmarshal(msg.Payload, &r)
					got = append(got, r.Data.Revocations.ContactID)
				}
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Errorf("subscriber on instance %d got %v, want %v", i, got, want)
				}
			}
			var got []string
			for range 2 {
				select {
				case c := <-hooks.got:
					var p struct{ ContactID string }
					_ = json.Unmarshal(c.Body, &p)
					got = append(got, p.ContactID)
				case <-time.After(30 * time.Second):
					t.Fatalf("webhook: got %v", got)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("webhook got %v, want %v", got, want)
			}
		})
	}
}
