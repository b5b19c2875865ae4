package consent_test

import (
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/pgtest"
)

// Two staff members, on two instances, add the same new e-mail of Erika Testfrau at the same
// moment: marketing to its record of her (which thereby joins her person that said no to the
// newsletter: it inherits the "no"), sales to its own record (granted before her no, on the list). Once
// both have committed the two records share the e-mail, so sales' record is hers and must not
// be a recipient. The interleaving is forced: marketing's update is held just before it writes
// the event of the "no" it inherits (the outbox's lock), after it read who the person is;
// sales' update runs meanwhile. Before the fix neither saw the other's e-mail (each read the
// person before the other committed): sales' record stayed a recipient with her address.
func TestTwoWritersAddingTheSameEmailJoinThePerson(t *testing.T) {
	f := newFixture(t)
	second := apptest.StartOn(t, f.DBURL)
	sales := f.subscribed(t, "E.", "e.testfrau@firma.example.test") // granted before her no
	said := f.subscribed(t, "Erika", "erika.testfrau@example.test") // the record she said no on
	f.revoke(t, said, "newsletter", "phone")
	var out struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	// marketing's record of her, granted before her no (it inherits it once it joins her)
	f.MustAdmin(t, &out, `mutation { createContact(input: {givenName: "Erika", familyName: "Testfrau", emails: ["e.t@marketing.example.test"]}) { contact { id } } }`, nil)
	marketing := out.CreateContact.Contact.ID
	f.MustAdmin(t, &struct{}{}, `mutation($c: ID!, $at: Time!) { recordConsent(input: {contactId: $c, purposeKey: "newsletter", source: "fair", givenAt: $at}) { id } }`,
		map[string]any{"c": marketing, "at": time.Now().Add(-24 * time.Hour).UTC().Format(time.RFC3339)})

	release := f.HoldEvents(t) // every write waits before its event until release
	watch := f.Conn(t)

	done := make(chan *apptest.Result, 2)
	go func() {
		done <- f.Admin(t, `mutation($id: ID!) { updateContact(id: $id, input: {emails: ["e.t@marketing.example.test", "Erika.Testfrau@example.test", "erika@neu.example.test"]}) { contact { id } } }`,
			map[string]any{"id": marketing})
	}()
	pgtest.WaitForWaiters(t, watch, 1, pgtest.AdvisoryLocks) // marketing's update waits to write the event of the no it inherits
	salesDone := make(chan *apptest.Result, 1)
	go func() {
		salesDone <- second.Admin(t, `mutation($id: ID!) { updateContact(id: $id, input: {emails: ["e.testfrau@firma.example.test", "erika@neu.example.test"]}) { contact { id } } }`,
			map[string]any{"id": sales})
	}()
	var res *apptest.Result
	select {
	case res = <-salesDone:
	case <-time.After(3 * time.Second): // it waits for marketing's update: serialised
	}
	release()
	if res == nil {
		res = <-salesDone
	}
	if len(res.Errors) > 0 {
		t.Fatalf("sales' update: %+v", res.Errors)
	}
	if r := <-done; len(r.Errors) > 0 {
		t.Fatalf("marketing's update: %+v", r.Errors)
	}
	if got := f.recipients(t, "news-de"); len(got) != 0 {
		t.Errorf("German newsletter recipients once both updates committed = %v, want none: sales' record %s shares her new e-mail", got, sales)
	}
}
