package requests_test

import (
	"net/http"
	"net/url"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/pgtest"
)

// Erika objected; staff add her private address to her blocked record (instance B) while she
// confirms her own sign-up with that address (instance A). The update is held before its event,
// after it gave her entry the address; her confirmation finds no record with it yet and creates
// one. That record is hers all the same: it must be blocked by the entry that holds its address
// (contact_blocks exact), as it is when she confirms just before the update (the update then
// finds it and restricts it). Before, it was left out of contact_blocks: a recipient although
// its address was on an active entry.
func TestASignUpConfirmedWhileHerBlockedRecordGainsTheAddress(t *testing.T) {
	a := apptest.Start(t)
	b := apptest.StartOn(t, a.DBURL)
	a.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "events", name: "Einladungen", legalBasis: CONSENT}) { id } }`, nil)
	a.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news", name: "Einladungen", purposeKey: "events"}) { id } }`, nil)
	marketing := newContact(t, a, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
		"emails": []string{"e.testfrau@example.net"}, "phones": []string{"+49 30 5557001"}})
	blockedHer(t, a, "OBJECTION", marketing)
	var su struct{ SignUp struct{ ConfirmURL string } }
	a.MustAdmin(t, &su, `mutation { signUp(input: {email: "erika.testfrau@example.org", purposeKey: "events", listKey: "news", source: "web form"}) { confirmURL } }`, nil)

	release := a.HoldEvents(t)
	watch := a.Conn(t)
	updated := make(chan struct{})
	go func() {
		defer close(updated)
		res := b.Admin(t, addIdentifiers, map[string]any{"id": marketing,
			"in": map[string]any{"emails": []string{"e.testfrau@example.net", "erika.testfrau@example.org"}}})
		if len(res.Errors) > 0 {
			t.Errorf("staff's update: %+v", res.Errors)
		}
	}()
	pgtest.WaitForWaiters(t, watch, 1, pgtest.AdvisoryLocks) // the update gave the entry her address and waits to announce it
	var confirmed atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := http.PostForm(su.SignUp.ConfirmURL, url.Values{"confirm": {"yes"}})
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("confirm: status %d", resp.StatusCode)
		}
		confirmed.Store(true)
	}()
	pgtest.WaitForWaitersOrDone(t, watch, 2, pgtest.AdvisoryLocks, confirmed.Load)
	release()
	<-updated
	<-done

	conn := a.Conn(t)
	var records []string
	if err := conn.QueryRow(t.Context(), `SELECT ARRAY(SELECT contact_id::text FROM contact_emails WHERE normalized = 'erika.testfrau@example.org' ORDER BY 1)`).Scan(&records); err != nil {
		t.Fatal(err)
	}
	if got := recipientsOf(t, a); len(blacklistIDs(t, a)) > 0 && slices.ContainsFunc(records, func(r string) bool { return slices.Contains(got, r) }) {
		t.Errorf("recipients = %v include a record with her address (records %v) while her objection's entry holds it", got, records)
	}
	a.AssertBlocksExact(t)
}

func blacklistIDs(t *testing.T, s *apptest.Server) []string {
	t.Helper()
	var bl struct {
		Blacklist struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	s.MustAdmin(t, &bl, `{ blacklist(first: 10) { edges { node { id } } } }`, nil)
	ids := []string{}
	for _, e := range bl.Blacklist.Edges {
		ids = append(ids, e.Node.ID)
	}
	return ids
}
