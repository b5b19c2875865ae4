package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/vermerk/vermerk/graph"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/config"
	"github.com/vermerk/vermerk/server/internal/web"
)

func newToken(t *testing.T, s *apptest.Server, name, role string, purposes ...string) string {
	t.Helper()
	var out struct {
		CreateAPIToken struct{ Secret string } `json:"createApiToken"`
	}
	s.MustAdmin(t, &out, `mutation($n: String!, $r: Role!, $p: [String!]) { createApiToken(name: $n, role: $r, purposeKeys: $p) { secret } }`,
		map[string]any{"n": name, "r": role, "p": purposes})
	return out.CreateAPIToken.Secret
}

func wantError(t *testing.T, res *apptest.Result, code string, mentions ...string) {
	t.Helper()
	if len(res.Errors) == 0 || res.Errors[0].Code() != code {
		t.Fatalf("errors %+v (status %d); want %s", res.Errors, res.Status, code)
	}
	for _, m := range mentions {
		if !strings.Contains(res.Errors[0].Message, m) {
			t.Errorf("message %q should mention %q", res.Errors[0].Message, m)
		}
	}
}

func TestLimitsOverHTTP(t *testing.T) {
	s := apptest.Start(t)
	t.Run("complexity", func(t *testing.T) {
		res := s.Admin(t, `{ contacts(first: 1000) { edges { cursor node { id givenName familyName organization emails phones
			createdAt updatedAt address { street postalCode city country }
			lists { id key name purpose { id key name legalBasis } }
			consents { id status grantedAt revokedAt history { at status source recordedBy } } } } } }`, nil)
		wantError(t, res, "COMPLEXITY_LIMIT_EXCEEDED", "exceeds the limit")
	})
	t.Run("page size", func(t *testing.T) {
		res := s.Admin(t, `{ contacts(first: 1001) { totalCount } }`, nil)
		wantError(t, res, "BAD_USER_INPUT", "between 0 and 1000")
		if res.Errors[0].Field() != "first" {
			t.Errorf("field = %q, want first", res.Errors[0].Field())
		}
	})
	t.Run("introspection", func(t *testing.T) {
		s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
		integrator := newToken(t, s, "shop", "INTEGRATOR", "newsletter")
		staff := newToken(t, s, "desk", "STAFF")
		const q = `{ __schema { queryType { name } } }`
		wantError(t, s.Do(t, integrator, q, nil), "FORBIDDEN", "introspection", "STAFF and ADMIN")
		if res := s.Do(t, integrator, `{ __typename me { role } }`, nil); len(res.Errors) > 0 {
			t.Errorf("__typename must stay allowed: %+v", res.Errors)
		}
		var ok struct {
			Schema struct{ QueryType struct{ Name string } } `json:"__schema"`
		}
		s.Do(t, staff, q, nil).Decode(t, &ok)
		if ok.Schema.QueryType.Name != "Query" {
			t.Errorf("STAFF introspection = %+v", ok)
		}
	})
	t.Run("body size", func(t *testing.T) {
		pad := strings.Repeat(" ", 1<<20)
		body := `{"query": "{ me { name } }` + pad + `"}`
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+apptest.AdminToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		// The status follows the GraphQL over HTTP spec (200 for application/json); the
		// message is what tells the caller.
		if !strings.Contains(string(raw), "request body too large") {
			t.Errorf("1 MiB + body: status %d, %s; want an error saying the body is too large", resp.StatusCode, raw)
		}
	})
}

type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

func dial(ctx context.Context, url, origin string) (*websocket.Conn, *http.Response, error) {
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	return websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: h})
}

func TestWebSocketOrigins(t *testing.T) {
	s := apptest.Start(t, func(c *config.Config) { c.AllowedOrigins = []string{"app.example.org"} })
	for _, c := range []struct {
		origin string
		ok     bool
	}{{"", true}, {"https://app.example.org", true}, {"https://evil.example.net", false}} {
		t.Run("origin "+c.origin, func(t *testing.T) {
			conn, resp, err := dial(t.Context(), s.WSURL(), c.origin)
			if conn != nil {
				conn.CloseNow()
			}
			if c.ok && err != nil {
				t.Errorf("refused: %v", err)
			}
			if !c.ok && (err == nil || resp == nil || resp.StatusCode != http.StatusForbidden) {
				t.Errorf("cross-origin WebSocket from %s: %v; want 403", c.origin, err)
			}
		})
	}
}

func TestSubscriptionsPerConnection(t *testing.T) {
	s := apptest.Start(t)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	conn, _, err := dial(ctx, s.WSURL(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	init, _ := json.Marshal(map[string]string{"authorization": "Bearer " + apptest.AdminToken})
	_ = wsjson.Write(ctx, conn, wsMessage{Type: "connection_init", Payload: init})
	var ack wsMessage
	if err := wsjson.Read(ctx, conn, &ack); err != nil || ack.Type != "connection_ack" {
		t.Fatalf("ack: %+v %v", ack, err)
	}
	sub, _ := json.Marshal(map[string]string{"query": `subscription { blacklistChanged { id } }`})
	for i := 1; i <= 21; i++ {
		if err := wsjson.Write(ctx, conn, wsMessage{ID: fmt.Sprint(i), Type: "subscribe", Payload: sub}); err != nil {
			t.Fatal(err)
		}
	}
	// They start concurrently: exactly one of the 21 is refused, the other 20 wait for events.
	refused := ""
	rctx, rcancel := context.WithTimeout(ctx, time.Second)
	defer rcancel()
	for {
		var m wsMessage
		if err := wsjson.Read(rctx, conn, &m); err != nil {
			break
		}
		if m.Type != "next" && m.Type != "error" {
			continue
		}
		if refused != "" || !strings.Contains(string(m.Payload), "SUBSCRIPTION_LIMIT_EXCEEDED") || !strings.Contains(string(m.Payload), "20 subscriptions") {
			t.Errorf("unexpected %s %s: %s; want one refusal with SUBSCRIPTION_LIMIT_EXCEEDED", m.Type, m.ID, m.Payload)
		}
		refused = m.ID
	}
	if refused == "" {
		t.Fatal("21 subscriptions on one connection: none was refused")
	}
	conn.CloseNow()

	// The limit is per connection: a second one gets its own 20.
	conn2, _, err := dial(ctx, s.WSURL(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.CloseNow()
	_ = wsjson.Write(ctx, conn2, wsMessage{Type: "connection_init", Payload: init})
	if err := wsjson.Read(ctx, conn2, &ack); err != nil || ack.Type != "connection_ack" {
		t.Fatalf("ack: %+v %v", ack, err)
	}
	_ = wsjson.Write(ctx, conn2, wsMessage{ID: "1", Type: "subscribe", Payload: sub})
	r2, c2 := context.WithTimeout(ctx, 500*time.Millisecond)
	defer c2()
	var m wsMessage
	if err := wsjson.Read(r2, conn2, &m); err == nil {
		t.Errorf("a subscription on a fresh connection answered %s %s", m.Type, m.Payload)
	}
}

// The depth and timeout limits need a smaller setting (no valid query of this schema nests
// deeper than 7) or a slow resolver, so they run on a handler with fake services.
type adminTokens struct{ graph.Tokens }

func (adminTokens) Authenticate(context.Context, string) (*viewer.Viewer, error) {
	return &viewer.Viewer{TokenID: "t", Name: "test", Role: model.RoleAdmin}, nil
}

type slowContacts struct{ graph.Contacts }

func (slowContacts) Contact(ctx context.Context, _ string) (*model.Contact, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestDepthAndTimeoutLimits(t *testing.T) {
	gql := graph.NewHandler(graph.Services{Tokens: adminTokens{}, Contacts: slowContacts{}},
		graph.Options{Logger: slog.New(slog.DiscardHandler), MaxDepth: 3})
	srv := httptest.NewServer(web.Handler(web.Routes{GraphQL: gql, RequestTimeout: 300 * time.Millisecond}, slog.New(slog.DiscardHandler)))
	defer srv.Close()
	s := &apptest.Server{URL: srv.URL}

	wantError(t, s.Do(t, "x", `{ contacts { edges { node { id } } } }`, nil), "DEPTH_LIMIT_EXCEEDED", "4 levels", "limit is 3")

	start := time.Now()
	res := s.Do(t, "x", `{ contact(id: "00000000-0000-4000-8000-000000000001") { id } }`, nil)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("a slow request took %v; want it cut at the timeout", took)
	}
	if len(res.Errors) == 0 || !strings.Contains(res.Errors[0].Message, "timed out") && !strings.Contains(res.Errors[0].Message, "deadline exceeded") {
		t.Errorf("slow request: %+v; want an error saying it timed out", res.Errors)
	}
}
