package auth_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const createToken = `mutation($name: String!, $role: Role!, $keys: [String!], $exp: Time) {
	createApiToken(name: $name, role: $role, purposeKeys: $keys, expiresAt: $exp) {
		secret token { id name role purposeKeys createdAt expiresAt revokedAt lastUsedAt } } }`

type apiToken struct {
	ID, Name, Role                   string
	PurposeKeys                      []string
	CreatedAt                        time.Time
	ExpiresAt, RevokedAt, LastUsedAt *time.Time
}

// newToken creates an API token as the bootstrap admin and returns its id and secret.
func newToken(t *testing.T, s *apptest.Server, name, role string, purposes ...string) (id, secret string) {
	t.Helper()
	var out struct {
		CreateAPIToken struct {
			Secret string
			Token  apiToken
		} `json:"createApiToken"`
	}
	s.MustAdmin(t, &out, createToken, map[string]any{"name": name, "role": role, "keys": purposes})
	return out.CreateAPIToken.Token.ID, out.CreateAPIToken.Secret
}

// newPurpose adds a purpose (and a list of it with the same key) straight into the database:
// the fixture, not what is tested here.
func newPurpose(t *testing.T, s *apptest.Server, key string) {
	t.Helper()
	_, err := s.App.DB.Pool.Exec(t.Context(), `WITH p AS (
			INSERT INTO purposes (key, name, legal_basis) VALUES ($1, $1, 'CONSENT') RETURNING id)
		INSERT INTO distribution_lists (key, name, purpose_id) SELECT $1, $1, id FROM p`, key)
	if err != nil {
		t.Fatalf("purpose %s: %v", key, err)
	}
}

// upload posts a GraphQL multipart request with one CSV file bound to $file.
func upload(t *testing.T, s *apptest.Server, token, query string, vars map[string]any, csv string) *apptest.Result {
	t.Helper()
	return apptest.Upload(t, s.URL, token, query, vars, "people.csv", []byte(csv))
}

type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// subscribe starts one subscription over graphql-transport-ws and returns the errors of its
// first answer; a subscription that is accepted and waits for events answers nothing within
// the wait, which returns no errors.
func subscribe(t *testing.T, s *apptest.Server, token, query string, vars map[string]any, wait time.Duration) []apptest.GQLError {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, err := wsConnect(ctx, s, token)
	if err != nil {
		t.Fatalf("connection_init: %v", err)
	}
	defer c.CloseNow()
	payload, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err := wsjson.Write(ctx, c, wsMessage{ID: "1", Type: "subscribe", Payload: payload}); err != nil {
		t.Fatal(err)
	}
	rctx, rcancel := context.WithTimeout(ctx, wait)
	defer rcancel()
	for {
		var m wsMessage
		if err := wsjson.Read(rctx, c, &m); err != nil {
			return nil // still running: accepted
		}
		switch m.Type {
		case "error":
			var errs []apptest.GQLError
			_ = json.Unmarshal(m.Payload, &errs)
			return errs
		case "next":
			var r struct{ Errors []apptest.GQLError }
			_ = json.Unmarshal(m.Payload, &r)
			return r.Errors
		case "complete":
			return nil
		}
	}
}

// wsConnect opens a graphql-transport-ws connection and authenticates in connection_init; a
// refused token comes back as the close error (websocket.CloseStatus, reason).
func wsConnect(ctx context.Context, s *apptest.Server, token string) (*websocket.Conn, error) {
	c, _, err := websocket.Dial(ctx, s.WSURL(), &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		return nil, err
	}
	init, _ := json.Marshal(map[string]string{"authorization": "Bearer " + token})
	if err := wsjson.Write(ctx, c, wsMessage{Type: "connection_init", Payload: init}); err != nil {
		c.CloseNow()
		return nil, err
	}
	for {
		var m wsMessage
		if err := wsjson.Read(ctx, c, &m); err != nil {
			c.CloseNow()
			return nil, err
		}
		if m.Type == "connection_ack" {
			return c, nil
		}
	}
}
