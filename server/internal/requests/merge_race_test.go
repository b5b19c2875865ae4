package requests_test

import (
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/pgtest"
)

// Erika Testfrau's erasure request arrives by letter naming the customer number of
// marketing's record, while staff on another instance merge that record into sales' record of
// her. The merge holds the record when the request is filed; once it commits, the id names the
// survivor, and the request must be filed for it, as for any merged id. The interleaving is
// forced: the merge is held just before it writes its events (the outbox's lock), with
// marketing's record locked and deleted. Before the fix fileRequest looked up the survivor
// before it waited, found the record gone after, and refused with UNKNOWN_CONTACT.
func TestARequestOnARecordBeingMergedIsFiledForTheSurvivor(t *testing.T) {
	s := apptest.Start(t)
	second := apptest.StartOn(t, s.DBURL)
	sales := newContact(t, s, map[string]any{"givenName": "E.", "familyName": "Testfrau", "emails": []string{"e.testfrau@firma.example.test"}})
	marketing := newContact(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau", "emails": []string{"erika.testfrau@example.test"}})

	release := s.HoldEvents(t) // every write waits before its event until release
	watch := s.Conn(t)

	merged := make(chan *apptest.Result, 1)
	go func() {
		merged <- second.Admin(t, `mutation($into: ID!, $from: ID!) { mergeContacts(intoId: $into, fromIds: [$from], reason: "one person, two departments") { id } }`,
			map[string]any{"into": sales, "from": marketing})
	}()
	pgtest.WaitForWaiters(t, watch, 1, pgtest.AdvisoryLocks) // the merge waits to write its events
	filed := make(chan *apptest.Result, 1)
	go func() {
		filed <- s.Admin(t, `mutation($id: ID!) { fileRequest(input: {kind: ERASURE, contactId: $id, channel: "letter"}) { contact { id } } }`,
			map[string]any{"id": marketing})
	}()
	pgtest.WaitForWaiters(t, watch, 1, pgtest.AnyLock.Except(pgtest.AdvisoryLocks)) // the request waits for marketing's record
	release()
	for range 2 {
		select {
		case res := <-merged:
			if len(res.Errors) > 0 {
				t.Fatalf("mergeContacts: %+v", res.Errors)
			}
		case res := <-filed:
			var out struct {
				FileRequest struct{ Contact *struct{ ID string } }
			}
			if len(res.Errors) > 0 {
				t.Fatalf("fileRequest on the record being merged: %+v, want it filed for the survivor", res.Errors)
			}
			if res.Decode(t, &out); out.FileRequest.Contact == nil || out.FileRequest.Contact.ID != sales {
				t.Errorf("request filed for %+v, want the survivor %s", out.FileRequest.Contact, sales)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the merge and the request did not finish within 30 s")
		}
	}
}
