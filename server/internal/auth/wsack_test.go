package auth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// The connection_ack of a WebSocket carries no payload: the server used to echo the client's
// connection_init payload, bearer token included, back in it.
func TestConnectionAckDoesNotEchoTheToken(t *testing.T) {
	s := apptest.Start(t)
	_, secret := newToken(t, s, "Erika Testfrau", "STAFF")
	for _, tc := range []struct {
		name   string
		header http.Header // the token on the upgrade request instead of in connection_init
	}{
		{name: "token in connection_init"},
		{name: "token on the upgrade request", header: http.Header{"Authorization": {"Bearer " + secret}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			c, _, err := websocket.Dial(ctx, s.WSURL(), &websocket.DialOptions{
				Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: tc.header})
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseNow()
			init, _ := json.Marshal(map[string]string{"authorization": "Bearer " + secret, "Authorization": "Bearer " + secret})
			if err := wsjson.Write(ctx, c, wsMessage{Type: "connection_init", Payload: init}); err != nil {
				t.Fatal(err)
			}
			for {
				var m wsMessage
				if err := wsjson.Read(ctx, c, &m); err != nil {
					t.Fatalf("no connection_ack: %v", err)
				}
				if m.Type != "connection_ack" {
					continue
				}
				if strings.Contains(string(m.Payload), secret) {
					t.Fatalf("connection_ack echoes the token: %s", m.Payload)
				}
				return
			}
		})
	}
}
