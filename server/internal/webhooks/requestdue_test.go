package webhooks_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// A data-subject request falling due is about a contact of any purpose: the newsletter
// software's endpoint, bound to the newsletter as its token is, must not learn of it (DESIGN
// rule 2). Asking for REQUEST_DUE on a bound endpoint is refused; one that asked before this
// rule is not told; the admins' own unbound endpoint is.
func TestRequestDueGoesOnlyToWebhooksBoundToNoPurpose(t *testing.T) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	create := `mutation($in: WebhookInput!) { createWebhook(input: $in) { id } }`
	bound, unbound := newReceiver(t, ok), newReceiver(t, ok)
	res := s.Admin(t, create, map[string]any{"in": map[string]any{"url": bound.URL, "kinds": []string{"CONTACT_ERASED", "REQUEST_DUE"},
		"secret": secret, "purposeKeys": []string{"newsletter"}}})
	if len(res.Errors) != 1 || res.Errors[0].Code() != "BAD_USER_INPUT" || res.Errors[0].Field() != "input.kinds" ||
		res.Errors[0].Extensions["reason"] != "KIND_NOT_FOR_BOUND" {
		t.Errorf("REQUEST_DUE for an endpoint bound to the newsletter: %+v; want BAD_USER_INPUT KIND_NOT_FOR_BOUND at input.kinds", res.Errors)
	}
	var out struct{ CreateWebhook struct{ ID string } }
	s.MustAdmin(t, &out, create, map[string]any{"in": map[string]any{"url": bound.URL, "kinds": []string{"CONTACT_ERASED"},
		"secret": secret, "purposeKeys": []string{"newsletter"}}})
	// as one made before the rule: its kinds as they were
	conn, err := pgx.Connect(t.Context(), s.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	if _, err := conn.Exec(t.Context(), `UPDATE webhooks SET kinds = ARRAY['CONTACT_ERASED', 'REQUEST_DUE'] WHERE id = $1`, out.CreateWebhook.ID); err != nil {
		t.Fatal(err)
	}
	s.MustAdmin(t, &out, create, map[string]any{"in": map[string]any{"url": unbound.URL, "kinds": []string{"CONTACT_ERASED", "REQUEST_DUE"}, "secret": secret}})

	s.MustAdmin(t, &struct{}{}, `mutation($at: Time!) { fileRequest(input: {kind: ACCESS, channel: "letter", receivedAt: $at}) { id } }`,
		map[string]any{"at": time.Now().AddDate(0, 0, -40).Format(time.RFC3339)})
	if n, err := s.App.Requests.SendDueEvents(t.Context()); err != nil || n != 1 {
		t.Fatalf("SendDueEvents = %d, %v; want 1", n, err)
	}
	var c struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	s.MustAdmin(t, &c, `mutation { createContact(input: {givenName: "Testa", familyName: "Probe", emails: ["testa.probe@example.test"]}) { contact { id } } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { eraseContact(id: $c, reason: "asked to be erased") { erasedAt } }`, map[string]any{"c": c.CreateContact.Contact.ID})

	kinds := func(r *receiver) []string {
		r.mu.Lock()
		defer r.mu.Unlock()
		var out []string
		for _, b := range r.bodies {
			var p struct{ Kind string }
			_ = json.Unmarshal(b, &p)
			out = append(out, p.Kind)
		}
		slices.Sort(out)
		return out
	}
	eventually(t, "the unbound endpoint gets both events", func() bool { return len(kinds(unbound)) == 2 })
	eventually(t, "the bound endpoint gets the erasure", func() bool { return len(kinds(bound)) >= 1 })
	time.Sleep(300 * time.Millisecond) // a second delivery, if any, would come now
	if got, want := kinds(bound), []string{"CONTACT_ERASED"}; !slices.Equal(got, want) {
		t.Errorf("the newsletter's endpoint got %v, want %v", got, want)
	}
	if got, want := kinds(unbound), []string{"CONTACT_ERASED", "REQUEST_DUE"}; !slices.Equal(got, want) {
		t.Errorf("the unbound endpoint got %v, want %v", got, want)
	}
}
