package consent_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/pgtest"
)

// Erika Testfrau says no to the newsletter on marketing's record while, at the same moment,
// sales adds her e-mail to their own older record of her (subscribed, not yet known as her).
// Whichever commits first, the person's "no" must hold for both records once both have
// committed (DESIGN rules 4 and 8). The interleaving is forced: the revocation is held just
// before it writes its event (the outbox's lock) after it read who the person is, and the
// update runs meanwhile. Before the fix the update read the person's last revocation before
// waiting for marketing's record, and the revocation had read the person before the update
// committed: sales' record stayed GRANTED, a recipient with her e-mail.
func TestRevocationRacingAnUpdateThatJoinsThePerson(t *testing.T) {
	f := newFixture(t)
	// sales' record first: the update then meets its own grant before marketing's
	sales := f.subscribed(t, "E.", "e.testfrau@example.net")
	time.Sleep(5 * time.Millisecond)
	marketing := f.subscribed(t, "Erika", "erika.testfrau@example.org")
	if sales > marketing {
		t.Fatalf("ids %s, %s not in creation order", sales, marketing)
	}

	release := f.HoldEvents(t) // every write waits before its event until release
	watch := f.Conn(t)

	done := make(chan *apptest.Result, 2)
	go func() {
		done <- f.Admin(t, `mutation($c: ID!) { revokeConsent(input: {contactId: $c, purposeKey: "newsletter", channel: "phone"}) { status } }`,
			map[string]any{"c": marketing})
	}()
	pgtest.WaitForWaiters(t, watch, 1, pgtest.AdvisoryLocks) // the revocation waits to write its event
	go func() {
		done <- f.Admin(t, `mutation($id: ID!) { updateContact(id: $id, input: {emails: ["e.testfrau@example.net", "Erika.Testfrau@Example.org"]}) { contact { id } } }`,
			map[string]any{"id": sales})
	}()
	pgtest.WaitForWaiters(t, watch, 1, pgtest.AnyLock.Except(pgtest.AdvisoryLocks)) // the update waits for marketing's record
	release()
	for range 2 {
		select {
		case res := <-done:
			if len(res.Errors) > 0 {
				t.Fatalf("unexpected errors: %+v", res.Errors)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the revocation and the update did not finish within 30 s")
		}
	}

	if got := f.recipients(t, "news-de"); len(got) != 0 {
		t.Errorf("recipients after her revocation and the update = %v, want none: sales' record %s holds her e-mail", got, sales)
	}
}

// Erika Testfrau clicks the unsubscribe link of the German newsletter in a mail to marketing's
// record while staff of sales, on another instance, put their record of her (the same e-mail
// in another spelling) on that list. Whichever commits first, she must not end up on the list
// she left without a reason: either the unsubscribe ends that membership too, or addToList
// comes after her departure and is refused with LIST_LEFT. The interleaving is forced: the
// unsubscribe is held just before it writes its event (the outbox's lock), after it ended the
// memberships of the person's records and recorded her departure; addToList runs meanwhile.
// Before the fix addToList neither waited for it nor saw the departure: sales' record stayed
// on the list, a membership begun after her departure, as if she had joined again.
func TestUnsubscribeRacingAnAddToListOfHerOtherRecord(t *testing.T) {
	f := newFixture(t)
	second := apptest.StartOn(t, f.DBURL)
	marketing := f.subscribed(t, "Erika", "erika.testfrau@example.test")
	var out struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	f.MustAdmin(t, &out, `mutation { createContact(input: {givenName: "E.", familyName: "Testfrau", emails: ["Erika.Testfrau@example.test"]}) { contact { id } } }`, nil)
	sales := out.CreateContact.Contact.ID
	var link struct{ UnsubscribeLink string }
	f.MustAdmin(t, &link, `query($c: ID!) { unsubscribeLink(contactId: $c, listKey: "news-de") }`, map[string]any{"c": marketing})

	ctx := context.Background()
	release := f.HoldEvents(t) // every write waits before its event until release
	watch := f.Conn(t)

	clicked := make(chan int, 1)
	go func() { clicked <- apptest.OneClick(t, link.UnsubscribeLink) }()
	pgtest.WaitForWaiters(t, watch, 1, pgtest.AdvisoryLocks) // the unsubscribe waits to write its event
	added := make(chan *apptest.Result, 1)
	go func() {
		added <- second.Admin(t, `mutation($c: ID!) { addToList(contactId: $c, listKey: "news-de") { id } }`, map[string]any{"c": sales})
	}()
	// addToList either finishes at once or waits for a lock the unsubscribe holds
	var res *apptest.Result
	pgtest.WaitForWaitersOrDone(t, watch, 1, pgtest.AnyLock.Except(pgtest.AdvisoryLocks), func() bool {
		select {
		case res = <-added:
			return true
		default:
			return false
		}
	})
	release()
	select {
	case code := <-clicked:
		if code != http.StatusOK {
			t.Fatalf("one-click POST: status %d", code)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the unsubscribe did not finish within 30 s")
	}
	if res == nil {
		select {
		case res = <-added:
		case <-time.After(30 * time.Second):
			t.Fatal("addToList did not finish within 30 s")
		}
	}

	var members int
	if err := f.App.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM list_members m JOIN distribution_lists l ON l.id = m.list_id
		WHERE l.key = 'news-de' AND m.contact_id = ANY($1::uuid[])`, []string{marketing, sales}).Scan(&members); err != nil {
		t.Fatal(err)
	}
	if members != 0 {
		t.Errorf("%d of her records on the list she left once both committed (addToList errors: %+v), want none", members, res.Errors)
	}
	// the unsubscribe held her records first: addToList waited for it and then saw her departure
	if len(res.Errors) != 1 || res.Errors[0].Extensions["reason"] != "LIST_LEFT" {
		t.Errorf("addToList of her other record: %+v, want LIST_LEFT", res.Errors)
	}
}

// Erika Testfrau says no through the id of marketing's record — her one-click link, or the
// newsletter software's revokeConsent — while staff on another instance merge that record into
// sales' record of her. The merge holds the record when her "no" arrives; once it commits, the
// id names the survivor, and her "no" must reach it. The interleaving is forced: the merge is
// held just before it writes its events (the outbox's lock), with marketing's record locked
// and deleted; the "no" arrives meanwhile and waits for that record. Before the fix it looked
// up the survivor before it waited, found the record gone after, and answered NOT_FOUND (the
// link's page said the link was invalid): her "no" was lost and the survivor stayed a recipient.
func TestANoThroughARecordBeingMergedReachesTheSurvivor(t *testing.T) {
	for _, way := range []string{"unsubscribe link", "revokeConsent"} {
		t.Run(way, func(t *testing.T) {
			f := newFixture(t)
			second := apptest.StartOn(t, f.DBURL)
			sales := f.subscribed(t, "E.", "e.testfrau@firma.example.test")
			marketing := f.subscribed(t, "Erika", "erika.testfrau@example.test")
			var link struct{ UnsubscribeLink string }
			f.MustAdmin(t, &link, `query($c: ID!) { unsubscribeLink(contactId: $c, listKey: "news-de") }`, map[string]any{"c": marketing})

			release := f.HoldEvents(t) // every write waits before its event until release
			watch := f.Conn(t)

			merged := make(chan *apptest.Result, 1)
			go func() {
				merged <- second.Admin(t, `mutation($into: ID!, $from: ID!) { mergeContacts(intoId: $into, fromIds: [$from], reason: "one person, two departments") { id } }`,
					map[string]any{"into": sales, "from": marketing})
			}()
			pgtest.WaitForWaiters(t, watch, 1, pgtest.AdvisoryLocks) // the merge waits to write its events
			said := make(chan string, 1)
			go func() {
				if way == "unsubscribe link" {
					said <- fmt.Sprint(apptest.OneClick(t, link.UnsubscribeLink))
					return
				}
				res := f.Admin(t, `mutation($c: ID!) { revokeConsent(input: {contactId: $c, purposeKey: "newsletter", channel: "e-mail"}) { status } }`,
					map[string]any{"c": marketing})
				said <- fmt.Sprint(res.ErrorCodes())
			}()
			pgtest.WaitForWaiters(t, watch, 1, pgtest.AnyLock.Except(pgtest.AdvisoryLocks)) // her "no" waits for marketing's record
			release()
			for _, ch := range []any{merged, said} {
				select {
				case res := <-merged:
					if len(res.Errors) > 0 {
						t.Fatalf("mergeContacts: %+v", res.Errors)
					}
				case got := <-said:
					if want := map[string]string{"unsubscribe link": "200", "revokeConsent": "[]"}[way]; got != want {
						t.Errorf("her no through %s while the record was merged: %s, want %s", way, got, want)
					}
				case <-time.After(30 * time.Second):
					t.Fatalf("%T did not finish within 30 s", ch)
				}
			}
			if got := f.recipients(t, "news-de"); len(got) != 0 {
				t.Errorf("German newsletter recipients after her no through %s = %v, want none: the survivor %s is her", way, got, sales)
			}
		})
	}
}
