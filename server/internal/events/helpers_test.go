package events_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/apptest/gqlws"
)

const revocationsSub = `subscription($after: String) {
	revocations(after: $after) { cursor kind contactId channel } }`

type revocation struct {
	Cursor, Kind, ContactID, Channel string
	Purpose                          *struct{ Key string }
}

// dial opens an acknowledged graphql-transport-ws connection, closed when the test ends.
func dial(t *testing.T, wsURL, token string) *gqlws.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, err := gqlws.Dial(ctx, wsURL, token, nil)
	if err != nil {
		t.Fatalf("connect %s: %v", wsURL, err)
	}
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

// subscribeRevocations subscribes as the given token; after "" subscribes from now.
func subscribeRevocations(t *testing.T, wsURL, token, after string) *gqlws.Conn {
	t.Helper()
	c := dial(t, wsURL, token)
	vars := map[string]any{}
	if after != "" {
		vars["after"] = after
	}
	if err := c.Subscribe(t.Context(), "1", revocationsSub, vars); err != nil {
		t.Fatal(err)
	}
	return c
}

// read returns the next message, failing after 10 s.
func read(t *testing.T, c *gqlws.Conn) gqlws.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	m, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("waiting for a message: %v", err)
	}
	return m
}

// next decodes the next message as data of field, failing on anything else.
func next[T any](t *testing.T, c *gqlws.Conn, field string) T {
	t.Helper()
	m := read(t, c)
	if m.Type != "next" || len(m.Errors()) > 0 {
		t.Fatalf("got %s %s, want next data of %s", m.Type, m.Payload, field)
	}
	var p struct{ Data map[string]json.RawMessage }
	var v T
	if err := json.Unmarshal(m.Payload, &p); err != nil || json.Unmarshal(p.Data[field], &v) != nil {
		t.Fatalf("cannot decode %s", m.Payload)
	}
	return v
}

// nextRevocations reads n revocations and returns their cursors.
func nextRevocations(t *testing.T, c *gqlws.Conn, n int) []string {
	t.Helper()
	out := make([]string, n)
	for i := range out {
		out[i] = next[revocation](t, c, "revocations").Cursor
	}
	return out
}

// quiet asserts nothing arrives for d.
func quiet(t *testing.T, c *gqlws.Conn, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	m, err := c.Read(ctx)
	if err == nil {
		t.Fatalf("unexpected %s %s", m.Type, m.Payload)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("connection broke while waiting: %v", err)
	}
}

// emit commits n revocation events, one transaction each, as the services do, and returns
// their cursors.
func emit(t *testing.T, dbURL string, n int, channel string) []string {
	t.Helper()
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	out := make([]string, n)
	for i := range out {
		var id int64
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT vermerk_emit('CONSENT_REVOKED', gen_random_uuid(), NULL, $1, '')`, channel).Scan(&id)
		})
		if err != nil {
			t.Fatalf("emit: %v", err)
		}
		out[i] = strconv.FormatInt(id, 10)
	}
	return out
}

func execSQL(t *testing.T, dbURL, sql string, args ...any) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
