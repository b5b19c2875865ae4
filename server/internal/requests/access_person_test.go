package requests_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/pgtest"
)

const completeKeeping = `mutation($id: ID!, $outcome: String!, $keep: [ID!]) { completeRequest(id: $id, outcome: $outcome, keep: $keep) { ` + requestFields + ` } }`

// Erika Testfrau's open ACCESS request was filed on the front desk's record, which shares only
// a phone with sales' record of her; sales' record shares an e-mail with marketing's, on which
// her ERASURE request was filed. Erasing through marketing's record erases all three (the
// person is transitive, store.SamePerson), so it must wait for the access request as it does
// when that request is on the named record: the person is to get her data first. A record an
// admin names as someone else in keep (her flatmate's, sharing marketing's landline) is not
// erased, and its own access request does not hold the erasure back.
func TestErasureWaitsForAnAccessRequestOnAnyRecordOfThePerson(t *testing.T) {
	s := apptest.Start(t)
	marketing := newContact(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
		"emails": []string{"erika.testfrau@example.test"}, "phones": []string{"+49 30 5558001"}})
	sales := newContact(t, s, map[string]any{"givenName": "E.", "familyName": "Testfrau",
		"emails": []string{"Erika.Testfrau+angebot@example.test"}, "phones": []string{"+49 30 5558002"}})
	frontDesk := newContact(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
		"phones": []string{"030 5558002"}})
	flatmate := newContact(t, s, map[string]any{"givenName": "Fritz", "familyName": "Testmann",
		"phones": []string{"030/555 80-01"}})

	file(t, s, map[string]any{"kind": "ACCESS", "contactId": flatmate, "channel": "letter", "receivedAt": "2026-11-20T09:00:00Z"})
	access := file(t, s, map[string]any{"kind": "ACCESS", "contactId": frontDesk, "channel": "phone", "receivedAt": "2026-11-25T09:00:00Z"})
	erasure := file(t, s, map[string]any{"kind": "ERASURE", "contactId": marketing, "channel": "letter"})
	res := s.Admin(t, completeKeeping, map[string]any{"id": erasure.ID, "outcome": "Erased on request", "keep": []string{flatmate}})
	if len(res.Errors) != 1 || res.Errors[0].Code() != "BAD_USER_INPUT" || res.Errors[0].Extensions["reason"] != "ACCESS_REQUEST_OPEN" ||
		!strings.Contains(res.Errors[0].Message, access.ID) {
		t.Fatalf("erasure through %s while the access request %s on %s (same person, through %s) is open: %+v (data %s); "+
			"want ACCESS_REQUEST_OPEN naming that request", marketing, access.ID, frontDesk, sales, res.Errors, res.Data)
	}
	exists := func(id string) bool {
		var c struct{ Contact *struct{ ID string } }
		s.MustAdmin(t, &c, `query($id: ID!) { contact(id: $id) { id } }`, map[string]any{"id": id})
		return c.Contact != nil
	}
	if !exists(frontDesk) {
		t.Fatal("the record of the open access request was erased before her data was handed over")
	}

	// The front desk's record turns out to be the flatmate's too: its access request is not hers.
	var done struct{ CompleteRequest request }
	s.MustAdmin(t, &done, completeKeeping, map[string]any{"id": erasure.ID, "outcome": "Erased on request", "keep": []string{flatmate, frontDesk}})
	if done.CompleteRequest.Status != "DONE" {
		t.Fatalf("erasure keeping %s and %s apart: %+v", flatmate, frontDesk, done.CompleteRequest)
	}
	for id, want := range map[string]bool{marketing: false, sales: false, frontDesk: true, flatmate: true} {
		if exists(id) != want {
			t.Errorf("record %s after the erasure: exists %v, want %v", id, !want, want)
		}
	}
}

// Her ACCESS request is filed on sales' record while her ERASURE request is being completed on
// another instance: the erasure looked for open access requests and found none, then waited
// for the blacklist lock (held here by a screened write in flight). The request is
// acknowledged meanwhile. Once it is, the erasure must not take her records before she got
// her data: it refuses, as it would have had it started a moment later. Before the fix it
// went through and erased the records of an open access request.
func TestAnAccessRequestFiledWhileHerErasureWaitsHoldsIt(t *testing.T) {
	s := apptest.Start(t)
	other := apptest.StartOn(t, s.DBURL)
	marketing := newContact(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
		"emails": []string{"erika.testfrau@example.test"}})
	sales := newContact(t, s, map[string]any{"givenName": "E.", "familyName": "Testfrau",
		"emails": []string{"Erika.Testfrau+angebot@example.test"}})
	erasure := file(t, s, map[string]any{"kind": "ERASURE", "contactId": marketing, "channel": "letter"})

	writer := s.Conn(t) // a screened write in flight holds the blacklist lock (shared)
	tx, err := writer.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(t.Context(), `SELECT pg_advisory_xact_lock_shared(7243002)`); err != nil {
		t.Fatal(err)
	}
	watch := s.Conn(t)
	completed := make(chan *apptest.Result, 1)
	go func() {
		completed <- other.Admin(t, completeReq, map[string]any{"id": erasure.ID, "outcome": "Erased on request"})
	}()
	pgtest.WaitForWaiters(t, watch, 1, pgtest.AdvisoryLocks) // the erasure waits for the blacklist lock
	access := file(t, s, map[string]any{"kind": "ACCESS", "contactId": sales, "channel": "letter"})
	if err := tx.Rollback(t.Context()); err != nil {
		t.Fatal(err)
	}
	var res *apptest.Result
	select {
	case res = <-completed:
	case <-time.After(30 * time.Second):
		t.Fatal("completeRequest did not finish within 30 s")
	}
	var c struct{ Contact *struct{ ID string } }
	s.MustAdmin(t, &c, `query($id: ID!) { contact(id: $id) { id } }`, map[string]any{"id": sales})
	if c.Contact == nil {
		t.Fatalf("her access request %s was acknowledged while the erasure waited; the erasure then took its record (completeRequest: %+v %s)",
			access.ID, res.Errors, res.Data)
	}
	if len(res.Errors) != 1 || res.Errors[0].Extensions["reason"] != "ACCESS_REQUEST_OPEN" {
		t.Errorf("completeRequest of the erasure: %+v %s, want ACCESS_REQUEST_OPEN", res.Errors, res.Data)
	}
}
