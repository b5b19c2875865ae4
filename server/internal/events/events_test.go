package events_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/apptest/gqlws"
	"github.com/vermerk/vermerk/server/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// consentFixture creates Erika Mustermann with a granted newsletter consent and returns her id.
func consentFixture(t *testing.T, s *apptest.Server) string {
	t.Helper()
	var c struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	s.MustAdmin(t, &c, `mutation { createContact(input: {givenName: "Erika", familyName: "Mustermann",
		emails: ["erika.mustermann@example.org"]}) { contact { id } } }`, nil)
	id := c.CreateContact.Contact.ID
	var ignored any
	s.MustAdmin(t, &ignored, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	s.MustAdmin(t, &ignored, `mutation($id: ID!) { recordConsent(input: {contactId: $id, purposeKey: "newsletter", source: "web form"}) { id } }`,
		map[string]any{"id": id})
	return id
}

func revoke(t *testing.T, s *apptest.Server, contactID string) {
	t.Helper()
	var ignored any
	s.MustAdmin(t, &ignored, `mutation($id: ID!) { revokeConsent(input: {contactId: $id, purposeKey: "newsletter", channel: "phone"}) { status } }`,
		map[string]any{"id": contactID})
}

// A revocation and an erasure made through GraphQL reach an admin's open subscription.
func TestLiveRevocationAndErasure(t *testing.T) {
	s := apptest.Start(t)
	erika := consentFixture(t, s)
	c := dial(t, s.WSURL(), apptest.AdminToken)
	if err := c.Subscribe(t.Context(), "1", `subscription { revocations { cursor kind contactId channel purpose { key } } }`, nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // graphql-transport-ws has no subscribe acknowledgement

	revoke(t, s, erika)
	r := next[revocation](t, c, "revocations")
	if r.Kind != "CONSENT_REVOKED" || r.ContactID != erika || r.Purpose == nil || r.Purpose.Key != "newsletter" || r.Cursor == "" {
		t.Errorf("revocation = %+v, want CONSENT_REVOKED of %s for newsletter", r, erika)
	}

	var ignored any
	s.MustAdmin(t, &ignored, `mutation($id: ID!) { eraseContact(id: $id, reason: "Art. 17 request") { contactId } }`, map[string]any{"id": erika})
	e := next[revocation](t, c, "revocations")
	if e.Kind != "CONTACT_ERASED" || e.ContactID != erika || e.Purpose != nil {
		t.Errorf("erasure = %+v, want CONTACT_ERASED of %s without purpose", e, erika)
	}
	if a, b := cursorID(t, r.Cursor), cursorID(t, e.Cursor); b <= a {
		t.Errorf("cursors %s then %s: later events must have later cursors", r.Cursor, e.Cursor)
	}
	quiet(t, c, 300*time.Millisecond)
}

func cursorID(t *testing.T, c string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(c, 10, 64)
	if err != nil {
		t.Fatalf("cursor %q: %v", c, err)
	}
	return id
}

// A client that reconnects with its last cursor gets exactly what it missed, then live events.
func TestResumeByCursor(t *testing.T) {
	s := apptest.Start(t)
	before := emit(t, s.DBURL, 2, "staff") // older than the client's cursor: never repeated

	c := subscribeRevocations(t, s.WSURL(), apptest.AdminToken, "")
	time.Sleep(200 * time.Millisecond)
	seen := emit(t, s.DBURL, 2, "staff")
	if got := nextRevocations(t, c, 2); !equal(got, seen) {
		t.Fatalf("live: got %v, want %v", got, seen)
	}
	_ = c.Close()

	missed := emit(t, s.DBURL, 3, "staff")
	c = subscribeRevocations(t, s.WSURL(), apptest.AdminToken, seen[1])
	if got := nextRevocations(t, c, 3); !equal(got, missed) {
		t.Fatalf("after reconnecting: got %v, want the missed %v (not %v or %v again)", got, missed, before, seen)
	}
	live := emit(t, s.DBURL, 1, "staff")
	if got := nextRevocations(t, c, 1); !equal(got, live) {
		t.Fatalf("then live: got %v, want %v", got, live)
	}
	quiet(t, c, 300*time.Millisecond)
}

// Events committed while a resuming subscription switches from the table to live delivery
// arrive exactly once and in order.
func TestResumeSwitchOverHasNoGapOrDuplicate(t *testing.T) {
	s := apptest.Start(t)
	start := emit(t, s.DBURL, 1, "staff")[0]
	const during = 60
	var emitted []string
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range during / 3 {
			emitted = append(emitted, emit(t, s.DBURL, 3, "api")...)
			time.Sleep(5 * time.Millisecond)
		}
	}()
	time.Sleep(20 * time.Millisecond)
	c := subscribeRevocations(t, s.WSURL(), apptest.AdminToken, start)
	wg.Wait()
	if got := nextRevocations(t, c, during); !equal(got, emitted) {
		t.Fatalf("got %v,\nwant %v", got, emitted)
	}
	quiet(t, c, 300*time.Millisecond)
}

func TestCursorErrors(t *testing.T) {
	s := apptest.Start(t)
	old := emit(t, s.DBURL, 3, "staff")
	recent := emit(t, s.DBURL, 1, "staff")
	// The first three are older than the retention period.
	execSQL(t, s.DBURL, `UPDATE events SET at = now() - interval '91 days' WHERE id <= $1`, cursorID(t, old[2]))
	if n, err := s.App.Events.Prune(t.Context()); err != nil || n != 3 {
		t.Fatalf("Prune = %d, %v; want the 3 old events deleted", n, err)
	}

	for _, tc := range []struct {
		name, after, want string
	}{
		{"pruned", old[0], "has expired"},
		{"garbage", "yesterday", "is not one this server issued"},
		{"from the future", strconv.FormatInt(cursorID(t, recent[0])+100, 10), "newer than any event"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := subscribeRevocations(t, s.WSURL(), apptest.AdminToken, tc.after)
			m := read(t, c)
			errs := m.Errors()
			if len(errs) != 1 || errs[0].Code() != "BAD_USER_INPUT" || errs[0].Extensions["field"] != "after" ||
				!strings.Contains(errs[0].Message, tc.want) {
				t.Fatalf("got %s %s, want one BAD_USER_INPUT error on after saying %q", m.Type, m.Payload, tc.want)
			}
			t.Log(errs[0].Message)
		})
	}

	// The newest pruned event's cursor still works: nothing after it is gone.
	c := subscribeRevocations(t, s.WSURL(), apptest.AdminToken, old[2])
	if got := nextRevocations(t, c, 1); !equal(got, recent) {
		t.Fatalf("from the last pruned cursor: got %v, want %v", got, recent)
	}
}

// A WebSocket whose connection_init carries no valid token is closed without an ack.
func TestRefusedWithoutValidToken(t *testing.T) {
	s := apptest.Start(t)
	for _, tc := range []struct{ name, token string }{
		{"no token", ""},
		{"unknown token", "not-a-token-of-this-server"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			c, err := gqlws.Dial(ctx, s.WSURL(), tc.token, nil)
			if err == nil {
				_ = c.CloseNow()
				t.Fatal("connection acknowledged without a valid token")
			}
			if !errors.Is(err, gqlws.ErrRefused) {
				t.Fatalf("err = %v, want the connection closed instead of acknowledged", err)
			}
			var ce websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != 4403 {
				t.Fatalf("err = %v, want the WebSocket closed with 4403 Forbidden", err)
			}
			if ce.Reason == "" {
				t.Error("the close frame does not say why")
			}
		})
	}
}

// An event committed through instance A reaches a subscriber on instance B.
func TestTwoInstancesShareEvents(t *testing.T) {
	a := apptest.Start(t)
	b := apptest.StartOn(t, a.DBURL)
	erika := consentFixture(t, a)
	onB := subscribeRevocations(t, b.WSURL(), apptest.AdminToken, "")
	onA := subscribeRevocations(t, a.WSURL(), apptest.AdminToken, "")
	time.Sleep(200 * time.Millisecond)

	revoke(t, a, erika)
	for name, c := range map[string]*gqlws.Conn{"instance B": onB, "instance A": onA} {
		if r := next[revocation](t, c, "revocations"); r.ContactID != erika || r.Kind != "CONSENT_REVOKED" {
			t.Errorf("%s got %+v, want the revocation of %s", name, r, erika)
		}
	}
}

// When PostgreSQL goes away and comes back, subscribers keep their WebSocket and receive every
// event committed afterwards, including those committed before the listener reconnected.
func TestDatabaseRestartLosesNothing(t *testing.T) {
	s := apptest.Start(t)
	c := subscribeRevocations(t, s.WSURL(), apptest.AdminToken, "")
	time.Sleep(200 * time.Millisecond)
	first := emit(t, s.DBURL, 1, "staff")
	if got := nextRevocations(t, c, 1); !equal(got, first) {
		t.Fatalf("before the restart: got %v, want %v", got, first)
	}

	cluster := pgtest.Cluster(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := cluster.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // the listener notices and backs off (to over a second)
	if err := cluster.Start(ctx); err != nil {
		t.Fatal(err)
	}
	// Committed at once, before the listener is back: delivered by its catch-up.
	during := emit(t, s.DBURL, 3, "staff")
	if listenerConnected(t, s.DBURL) {
		t.Log("the listener reconnected before the events were committed; catch-up was not exercised this time")
	}
	got := nextRevocations(t, c, 3)
	after := emit(t, s.DBURL, 2, "staff")
	got = append(got, nextRevocations(t, c, 2)...)
	if want := append(during, after...); !equal(got, want) {
		t.Fatalf("after the restart: got %v, want %v", got, want)
	}
	quiet(t, c, 300*time.Millisecond)
}

// blacklistChanged reports an added entry (and its removal) to a staff desktop.
func TestBlacklistChanged(t *testing.T) {
	s := apptest.Start(t)
	c := dial(t, s.WSURL(), apptest.AdminToken)
	if err := c.Subscribe(t.Context(), "1", `subscription { blacklistChanged { id source reason removedAt } }`, nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	var added struct{ BlacklistAdd struct{ ID string } }
	s.MustAdmin(t, &added, `mutation { blacklistAdd(candidate: {emails: ["max.mustermann@example.org"]}, reason: "asked never to be contacted") { id } }`, nil)

	type entry struct {
		ID, Source, Reason string
		RemovedAt          *string
	}
	e := next[entry](t, c, "blacklistChanged")
	if e.ID != added.BlacklistAdd.ID || e.Source != "MANUAL" || e.Reason != "asked never to be contacted" || e.RemovedAt != nil {
		t.Errorf("added: got %+v, want the new entry %s", e, added.BlacklistAdd.ID)
	}
	var ignored any
	s.MustAdmin(t, &ignored, `mutation($id: ID!) { blacklistRemove(id: $id, reason: "entered by mistake") { id } }`, map[string]any{"id": e.ID})
	if e := next[entry](t, c, "blacklistChanged"); e.ID != added.BlacklistAdd.ID || e.RemovedAt == nil {
		t.Errorf("removed: got %+v, want entry %s with removedAt", e, added.BlacklistAdd.ID)
	}
}

func listenerConnected(t *testing.T, dbURL string) bool {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = 'vermerk events listener'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}
