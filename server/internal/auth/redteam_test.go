package auth_test

// Red-team tests of issue 15 (hardening) for tokens on WebSockets: each one was run against
// the code before the fix and failed there.

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/apptest/gqlws"
	"github.com/vermerk/vermerk/server/internal/config"
)

// dialWS opens an acknowledged graphql-transport-ws connection with token.
func dialWS(t *testing.T, s *apptest.Server, token string) *gqlws.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	c, err := gqlws.Dial(ctx, s.WSURL(), token, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", s.URL, err)
	}
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

// queryWS runs one query over the socket and returns its first answer (next or error), or
// the read error when the socket closed instead.
func queryWS(t *testing.T, c *gqlws.Conn, id, query string) (gqlws.Message, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := c.Subscribe(ctx, id, query, nil); err != nil {
		return gqlws.Message{}, err
	}
	for {
		m, err := c.Read(ctx)
		if err != nil || m.ID == id {
			return m, err
		}
	}
}

// waitClosed reads until the socket closes and returns the close error and how long it took;
// it fails the test when the socket is still open after limit.
func waitClosed(t *testing.T, c *gqlws.Conn, limit time.Duration) (websocket.CloseError, time.Duration) {
	t.Helper()
	start := time.Now()
	ctx, cancel := context.WithTimeout(t.Context(), limit)
	defer cancel()
	for {
		_, err := c.Read(ctx)
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			t.Fatalf("the socket is still open %v later", limit)
		}
		var ce websocket.CloseError
		errors.As(err, &ce)
		return ce, time.Since(start)
	}
}

// Issue 15, item 1: revoking a token through one instance closes that token's sockets on
// every instance within 5 s, subscriptions included; other tokens' sockets stay open.
func TestRedTeamRevokedTokenClosesSocketsOnEveryInstance(t *testing.T) {
	s1 := apptest.Start(t)
	s2 := apptest.StartOn(t, s1.DBURL)
	id, secret := newToken(t, s1, "front desk", "STAFF")
	_, other := newToken(t, s1, "back office", "STAFF")

	sockets := []*gqlws.Conn{dialWS(t, s1, secret), dialWS(t, s2, secret)}
	bystander := dialWS(t, s2, other)
	for i, c := range sockets {
		if m, err := queryWS(t, c, "q", `{ purposes { key } }`); err != nil || m.Type != "next" || len(m.Errors()) > 0 {
			t.Fatalf("socket %d before the revocation: %+v %v", i, m, err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		if err := c.Subscribe(ctx, "sub", `subscription { blacklistChanged { id } }`, nil); err != nil {
			t.Fatal(err)
		}
		cancel()
	}

	s1.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { revokeApiToken(id: $id) { id } }`, map[string]any{"id": id})
	for i, c := range sockets {
		ce, took := waitClosed(t, c, 5*time.Second)
		t.Logf("socket %d closed %v after the revocation: %d %q", i, took.Round(10*time.Millisecond), ce.Code, ce.Reason)
		if ce.Code != 4403 || !strings.Contains(ce.Reason, "revoked") {
			t.Errorf("socket %d: close %d %q, want 4403 naming the revocation", i, ce.Code, ce.Reason)
		}
	}
	if m, err := queryWS(t, bystander, "q", `{ purposes { key } }`); err != nil || len(m.Errors()) > 0 {
		t.Errorf("another token's socket must stay open: %+v %v", m, err)
	}
}

// Issue 15, item 1: a token that expires while its socket is open loses the socket within 5 s.
func TestRedTeamExpiredTokenClosesItsSocket(t *testing.T) {
	s := apptest.Start(t)
	var out struct {
		CreateAPIToken struct{ Secret string } `json:"createApiToken"`
	}
	expires := time.Now().Add(3 * time.Second)
	s.MustAdmin(t, &out, createToken, map[string]any{"name": "temp", "role": "STAFF", "exp": expires.Format(time.RFC3339Nano)})
	c := dialWS(t, s, out.CreateAPIToken.Secret)
	if m, err := queryWS(t, c, "q", `{ purposes { key } }`); err != nil || len(m.Errors()) > 0 {
		t.Fatalf("before expiry: %+v %v", m, err)
	}
	ce, _ := waitClosed(t, c, time.Until(expires)+5*time.Second)
	if late := time.Since(expires); late > 5*time.Second {
		t.Errorf("closed %v after the expiry, want within 5 s", late)
	}
	if ce.Code != 4403 || !strings.Contains(ce.Reason, "expired") {
		t.Errorf("close %d %q, want 4403 naming the expiry", ce.Code, ce.Reason)
	}
}

// Issue 15, item 1: an operation on an open socket checks the token again (through the same
// cache as HTTP, at most 5 s old): a token revoked behind the server's back (no event, as
// from an older instance during a rolling upgrade) answers no operation after 5 s.
func TestRedTeamSocketOperationRechecksToken(t *testing.T) {
	s := apptest.Start(t)
	id, secret := newToken(t, s, "desk", "STAFF")
	c := dialWS(t, s, secret)
	if m, err := queryWS(t, c, "q1", `{ purposes { key } }`); err != nil || len(m.Errors()) > 0 {
		t.Fatalf("before: %+v %v", m, err)
	}
	if _, err := s.App.DB.Pool.Exec(t.Context(), `UPDATE api_tokens SET revoked_at = now() WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5200 * time.Millisecond)
	m, err := queryWS(t, c, "q2", `{ purposes { key } }`)
	if err == nil && m.Type == "next" && len(m.Errors()) == 0 {
		var data json.RawMessage
		_ = json.Unmarshal(m.Payload, &data)
		t.Fatalf("a revoked token still reads over its socket 5 s later: %s", data)
	}
	t.Logf("refused: %+v %v", m, err)
}

// Issue 15, item 11: one token may hold only VERMERK_WS_PER_TOKEN sockets; the next one is
// refused with 4429 and a message naming the limit.
func TestRedTeamSocketsPerTokenAreCapped(t *testing.T) {
	s := apptest.Start(t, func(c *config.Config) { c.SocketsPerToken = 3 })
	_, secret := newToken(t, s, "desk", "STAFF")
	for range 3 {
		dialWS(t, s, secret)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	c, err := gqlws.Dial(ctx, s.WSURL(), secret, nil)
	if err == nil {
		c.CloseNow()
		t.Fatal("a fourth socket of the same token was accepted; the limit is 3")
	}
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != 4429 || !strings.Contains(ce.Reason, "VERMERK_WS_PER_TOKEN") {
		t.Errorf("refusal %v, want close 4429 naming VERMERK_WS_PER_TOKEN", err)
	}
	dialWS(t, s, apptest.AdminToken) // another token is not affected
}

// Issue 15, item 11: a socket that never sends connection_init is closed after the init
// timeout; one that does not answer the server's pings is closed too.
func TestRedTeamIdleAndSilentSocketsAreClosed(t *testing.T) {
	s := apptest.Start(t)
	t.Run("no connection_init", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, s.WSURL(), &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
		if err != nil {
			t.Fatal(err)
		}
		defer ws.CloseNow()
		start := time.Now()
		_, _, err = ws.Read(ctx)
		if err == nil || ctx.Err() != nil || time.Since(start) > 12*time.Second {
			t.Fatalf("read %v after %v; want closed after about 10 s", err, time.Since(start))
		}
	})
	t.Run("no pong", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(t.Context(), 40*time.Second)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, s.WSURL(), &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
		if err != nil {
			t.Fatal(err)
		}
		defer ws.CloseNow()
		init, _ := json.Marshal(map[string]any{"type": "connection_init", "payload": map[string]string{"authorization": "Bearer " + apptest.AdminToken}})
		if err := ws.Write(ctx, websocket.MessageText, init); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		pings := 0
		for { // read, but never answer a ping
			_, b, err := ws.Read(ctx)
			if err != nil {
				if ctx.Err() != nil {
					t.Fatalf("a client that never answers pings is still connected after %v (%d pings)", time.Since(start), pings)
				}
				t.Logf("closed after %v, %d pings unanswered: %v", time.Since(start).Round(time.Second), pings, err)
				return
			}
			if strings.Contains(string(b), `"ping"`) {
				pings++
			}
		}
	})
}
