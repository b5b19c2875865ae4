package signup_test

import (
	"net/http"
	"net/url"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/pgtest"
)

// Erika Testfrau left news-de through its unsubscribe link (her no to the newsletter) and later
// signs up again with a new address, erika@neu.example.test, and confirms, while marketing's
// update gives its record of her (on news-de and granted before her no) her old address and the
// new one. The update is held before its event (the outbox) after it read her person, so the
// confirmation finds no contact with the address and creates one, which the update does not
// see; the created record then waits for the update's turn on the address and joins her person
// after it (as a record entered by staff does: an objection's entry must block it). Nothing is
// lost: the created record carries only what she said last — a grant and a membership newer
// than her no and her departure, which no earlier "no" may take back. Her no and her departure
// still hold for marketing's record.
func TestAConfirmationRacingAnUpdateThatGivesHerTheAddress(t *testing.T) {
	f := newFixture(t)
	create := func(email string) string {
		var out struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		f.MustAdmin(t, &out, `mutation($e: String!) { createContact(input: {givenName: "Erika", familyName: "Testfrau", emails: [$e]}) { contact { id } } }`,
			map[string]any{"e": email})
		id := out.CreateContact.Contact.ID
		f.must(t, `mutation($c: ID!) { addToList(contactId: $c, listKey: "news-de") { id } }`, map[string]any{"c": id})
		f.must(t, `mutation($c: ID!, $at: Time!) { recordConsent(input: {contactId: $c, purposeKey: "newsletter", source: "fair", givenAt: $at}) { id } }`,
			map[string]any{"c": id, "at": time.Now().Add(-24 * time.Hour).UTC().Format(time.RFC3339)})
		return id
	}
	said := create("erika.testfrau@example.test")
	var link struct{ UnsubscribeLink string }
	f.MustAdmin(t, &link, `query($c: ID!) { unsubscribeLink(contactId: $c, listKey: "news-de") }`, map[string]any{"c": said})
	if code, _ := page(t, http.MethodPost, link.UnsubscribeLink, "de", url.Values{"List-Unsubscribe": {"One-Click"}}); code != http.StatusOK {
		t.Fatalf("unsubscribe: status %d", code)
	}
	marketing := create("e.t@marketing.example.test")
	s := f.mustSignUp(t, "erika@neu.example.test")

	release := f.HoldEvents(t)
	watch := f.Conn(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		res := f.Admin(t, `mutation($id: ID!) { updateContact(id: $id, input: {emails: ["e.t@marketing.example.test", "Erika.Testfrau@example.test", "erika@neu.example.test"]}) { contact { id } } }`,
			map[string]any{"id": marketing})
		if len(res.Errors) > 0 {
			t.Errorf("marketing's update: %+v", res.Errors)
		}
	}()
	pgtest.WaitForWaiters(t, watch, 1, pgtest.AdvisoryLocks) // the update read her person and waits to write the event of the no it inherits
	var confirmDone atomic.Bool
	confirming := make(chan struct{})
	go func() {
		defer close(confirming)
		if code, _ := page(t, http.MethodPost, s.ConfirmURL, "de", confirmForm); code != http.StatusOK {
			t.Errorf("confirm: status %d", code)
		}
		confirmDone.Store(true)
	}()
	pgtest.WaitForWaitersOrDone(t, watch, 2, pgtest.AdvisoryLocks, confirmDone.Load) // the confirmation created the record and waits for the update's turn
	release()
	<-done
	<-confirming

	created := f.contactsByEmail(t, "erika@neu.example.test")
	var confirmed string
	for _, c := range created {
		if c.ID != marketing {
			confirmed = c.ID
		}
	}
	if len(created) != 2 || confirmed == "" {
		t.Fatalf("records with her new address: %+v, want marketing's and the one her confirmation created", created)
	}
	if got := f.recipients(t); !slices.Equal(got, []string{confirmed}) {
		t.Errorf("news-de recipients = %v, want only the record her confirmation created (%s): marketing's %s joined her no and left the list with her",
			got, confirmed, marketing)
	}
}
