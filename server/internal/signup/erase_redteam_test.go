package signup_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/pgtest"
)

// She clicks the confirm link of a pending sign-up at the moment the DPO erases her. The
// erasure deletes her pending sign-ups, so it waits for the confirmation holding that row;
// the confirmation then asks for the blacklist lock the erasure holds (it locks the row
// before the blacklist, the other way round from the writers). PostgreSQL aborts one of the
// two as a deadlock — the erasure, which waited first — and store.DB.Transact runs it again:
// the erasure succeeds and she is gone. The test holds the confirmation between its row lock
// and its screening (on the address lock Confirm takes in between) until the erasure waits
// for the row.
func TestRedTeamErasureWhileSheConfirmsSucceeds(t *testing.T) {
	f := newFixture(t)
	first := f.mustSignUp(t, "erika.testfrau@example.org")
	page(t, http.MethodPost, first.ConfirmURL, "de", confirmForm)
	cs := f.contactsByEmail(t, "erika.testfrau@example.org")
	if len(cs) != 1 {
		t.Fatalf("contacts: %+v", cs)
	}
	f.must(t, `mutation { createList(input: {key: "news-en", name: "Newsletter English", purposeKey: "newsletter"}) { id } }`, nil)
	pending, res := f.signUp(t, map[string]any{"email": "Erika.Testfrau+en@example.org", "purposeKey": "newsletter", "listKey": "news-en", "source": "web-form"})
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}

	ctx := context.Background()
	holder, err := f.Conn(t).Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback(ctx)
	if _, err := holder.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('signup:' || 'erika.testfrau@example.org', 0))`); err != nil {
		t.Fatal(err)
	}
	watch := f.Conn(t)

	confirmed := make(chan int, 1)
	go func() {
		code, _ := page(t, http.MethodPost, pending.ConfirmURL, "de", confirmForm)
		confirmed <- code
	}()
	pgtest.WaitForWaiters(t, watch, 1, pgtest.AdvisoryLocks) // the confirmation waits for the address lock
	erased := make(chan *apptest.Result, 1)
	go func() {
		erased <- f.Admin(t, `mutation($id: ID!) { eraseContact(id: $id, reason: "Art. 17 request by letter") { erasedAt } }`,
			map[string]any{"id": cs[0].ID})
	}()
	pgtest.WaitForWaiters(t, watch, 1, pgtest.RowLocks) // the erasure waits for the pending sign-up's row
	if err := holder.Rollback(ctx); err != nil {
		t.Fatal(err)
	}

	if r := <-erased; len(r.Errors) > 0 {
		t.Errorf("the erasure while she confirmed: %+v", r.Errors)
	}
	<-confirmed
	if cs := f.contactsByEmail(t, "erika.testfrau@example.org"); len(cs) != 0 {
		t.Errorf("contacts after the erasure: %+v", cs)
	}
}
