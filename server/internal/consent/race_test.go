package consent_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// waitForWaiters polls until n backends wait for a lock (of locktype advisory when advisory,
// else of any other type), failing t after ten seconds.
func waitForWaiters(t *testing.T, conn *pgx.Conn, advisory bool, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var waiting int
		if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM pg_locks WHERE NOT granted AND (locktype = 'advisory') = $1`,
			advisory).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d backends wait for a lock (advisory %v), want %d", waiting, advisory, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

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

	ctx := context.Background()
	outbox := f.Conn(t)
	if _, err := outbox.Exec(ctx, `SELECT pg_advisory_lock(7243001)`); err != nil { // vermerk_emit's lock
		t.Fatal(err)
	}
	released := false
	release := func() {
		if !released {
			released = true
			if _, err := outbox.Exec(ctx, `SELECT pg_advisory_unlock(7243001)`); err != nil {
				t.Error(err)
			}
		}
	}
	defer release()
	watch := f.Conn(t)

	done := make(chan *apptest.Result, 2)
	go func() {
		done <- f.Admin(t, `mutation($c: ID!) { revokeConsent(input: {contactId: $c, purposeKey: "newsletter", channel: "phone"}) { status } }`,
			map[string]any{"c": marketing})
	}()
	waitForWaiters(t, watch, true, 1) // the revocation waits to write its event
	go func() {
		done <- f.Admin(t, `mutation($id: ID!) { updateContact(id: $id, input: {emails: ["e.testfrau@example.net", "Erika.Testfrau@Example.org"]}) { contact { id } } }`,
			map[string]any{"id": sales})
	}()
	waitForWaiters(t, watch, false, 1) // the update waits for marketing's record
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
