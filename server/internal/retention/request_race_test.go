package retention_test

import (
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/pgtest"
)

// Erika Testfrau's access request is filed on her sales record (kept: a granted consent) at
// the moment retention deletes her newsletter record (same e-mail; revoked, 0 months). Once
// the request is acknowledged, none of her records may go before it is answered: the deletion
// commits before the request (which then covers what is left), or sees the request and keeps
// the record. The interleaving is forced: the deletion is held just before it writes its
// CONTACT_DELETED event (the outbox's lock), after it read the open requests; the request is
// filed meanwhile. Before the fix fileRequest waited for nothing: it was acknowledged while the
// newsletter record was there, and the deletion committed after.
func TestARequestFiledWhileRetentionDeletesHerOtherRecordHoldsIt(t *testing.T) {
	w := world{t, apptest.Start(t)}
	var out any
	w.do(`mutation { createPurpose(input: {key: "events", name: "Event invitations", legalBasis: CONSENT, retentionMonths: 0}) { id } }`, nil, &out)
	w.do(`mutation { createPurpose(input: {key: "sales", name: "Sales calls", legalBasis: LEGITIMATE_INTEREST}) { id } }`, nil, &out)
	newsletter := w.contact("Testfrau", "erika.testfrau@example.test")
	sales := w.contact("Testfrau", "Erika.Testfrau@example.test")
	w.grant(newsletter, "events")
	w.revoke(newsletter, "events")
	w.grant(sales, "sales")
	step, err := w.s.App.Retention.StepLater(t.Context())
	if err != nil {
		t.Fatal(err)
	}

	release := w.s.HoldEvents(t) // every write waits before its event until release
	watch := w.s.Conn(t)

	deleted := make(chan error, 1)
	go func() { _, err := step([]string{newsletter}); deleted <- err }()
	pgtest.WaitForWaiters(t, watch, 1, pgtest.AdvisoryLocks) // the deletion reached the outbox
	filed := make(chan *apptest.Result, 1)
	go func() {
		filed <- w.s.Admin(t, `mutation($id: ID!) { fileRequest(input: {kind: ACCESS, contactId: $id, channel: "letter"}) { id } }`,
			map[string]any{"id": sales})
	}()
	// the request is acknowledged at once, or waits for a lock the deletion holds
	acknowledgedWith := -1 // her records when the request was acknowledged
	pgtest.WaitForWaitersOrDone(t, watch, 1, pgtest.AnyLock.Except(pgtest.AdvisoryLocks), func() bool {
		select {
		case res := <-filed:
			if len(res.Errors) > 0 {
				t.Fatalf("fileRequest: %+v", res.Errors)
			}
			acknowledgedWith = w.count(`SELECT count(*) FROM contacts WHERE id = ANY($1::uuid[])`, []string{newsletter, sales})
			return true
		default:
			return false
		}
	})
	release()
	select {
	case err := <-deleted:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the deletion did not finish within 30 s")
	}
	if acknowledgedWith < 0 {
		select {
		case res := <-filed:
			if len(res.Errors) > 0 {
				t.Fatalf("fileRequest: %+v", res.Errors)
			}
			acknowledgedWith = w.count(`SELECT count(*) FROM contacts WHERE id = ANY($1::uuid[])`, []string{newsletter, sales})
		case <-time.After(30 * time.Second):
			t.Fatal("fileRequest did not finish within 30 s")
		}
	}
	if after := w.count(`SELECT count(*) FROM contacts WHERE id = ANY($1::uuid[])`, []string{newsletter, sales}); after < acknowledgedWith {
		t.Errorf("her request was acknowledged while %d of her records were there; retention deleted one after it, %d left", acknowledgedWith, after)
	}
}
