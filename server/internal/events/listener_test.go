package events_test

import (
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// A revocation committed on A reaches a subscriber on B while B's listener connection is down
// and cannot come back (VERMERK_LISTEN_DATABASE_URL unreachable, the pool still fine), within
// the poll interval, and once: the subscriber waits on no reconnection to learn of it.
func TestRedTeamRevocationReachesSubscribersWhileTheListenerIsDown(t *testing.T) {
	a := apptest.Start(t)
	b, line := apptest.StartOnLine(t, a.DBURL)
	erika := consentFixture(t, a)
	onB := subscribeRevocations(t, b.WSURL(), apptest.AdminToken, "")
	time.Sleep(200 * time.Millisecond)
	line.Cut()

	revoke(t, a, erika)
	start := time.Now()
	r := next[revocation](t, onB, "revocations") // fails after 10 s
	if r.ContactID != erika || r.Kind != "CONSENT_REVOKED" {
		t.Errorf("instance B got %+v, want the revocation of %s", r, erika)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("instance B, its listener down, delivered the revocation after %v; want it within the 1 s poll", took.Round(100*time.Millisecond))
	}
	quiet(t, onB, 2*time.Second) // once
}
