package events_test

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/apptest/gqlws"
	"github.com/vermerk/vermerk/server/internal/events"
)

// An instance executes each revocation once per subscription document and shares the result;
// every subscriber still gets exactly what its own document (aliases, variables, directives)
// selects, and documents that select resolved fields (purpose) are executed per subscriber.
func TestSharedRevocationResultsFollowEachDocument(t *testing.T) {
	wsURL, dbURL := startBus(t, events.Options{}, nil)
	before := emit(t, dbURL, 1, "memo")[0]
	subs := []struct {
		name, query string
		vars        map[string]any
		want        func(cursor, contact string) map[string]any
	}{
		{"plain", `subscription($after: String) { revocations(after: $after) { cursor kind contactId channel } }`, nil,
			func(c, id string) map[string]any {
				return map[string]any{"cursor": c, "kind": "CONSENT_REVOKED", "contactId": id, "channel": "memo"}
			}},
		{"same document", `subscription($after: String) { revocations(after: $after) { cursor kind contactId channel } }`, nil,
			func(c, id string) map[string]any {
				return map[string]any{"cursor": c, "kind": "CONSENT_REVOKED", "contactId": id, "channel": "memo"}
			}},
		{"aliases", `subscription($after: String) { revocations(after: $after) { id: cursor c: channel __typename } }`, nil,
			func(c, id string) map[string]any {
				return map[string]any{"id": c, "c": "memo", "__typename": "RevocationEvent"}
			}},
		{"included", `subscription($after: String, $x: Boolean!) { revocations(after: $after) { cursor channel @include(if: $x) } }`,
			map[string]any{"x": true}, func(c, id string) map[string]any { return map[string]any{"cursor": c, "channel": "memo"} }},
		{"skipped by a variable", `subscription($after: String, $x: Boolean!) { revocations(after: $after) { cursor channel @include(if: $x) } }`,
			map[string]any{"x": false}, func(c, id string) map[string]any { return map[string]any{"cursor": c} }},
		{"resolved field", `subscription($after: String) { revocations(after: $after) { cursor purpose { key } } }`, nil,
			func(c, id string) map[string]any { return map[string]any{"cursor": c, "purpose": nil} }},
	}
	clients := make([]*gqlws.Conn, len(subs))
	for i, s := range subs {
		c := dial(t, wsURL, apptest.AdminToken)
		vars := map[string]any{"after": before}
		maps.Copy(vars, s.vars)
		if err := c.Subscribe(t.Context(), "1", s.query, vars); err != nil {
			t.Fatal(err)
		}
		clients[i] = c
	}
	emitted := emit(t, dbURL, 3, "memo")
	contacts := map[string]string{} // cursor → contactId, from the first subscriber
	for i, s := range subs {
		for j, cursor := range emitted {
			got := next[map[string]any](t, clients[i], "revocations")
			if i == 0 {
				contacts[cursor], _ = got["contactId"].(string)
			}
			want := s.want(cursor, contacts[cursor])
			if !equalJSON(got, want) {
				t.Errorf("%s, event %d: got %v, want %v", s.name, j, got, want)
			}
		}
	}
	if slices.Contains(slices.Collect(maps.Values(contacts)), "") {
		t.Fatalf("no contactId in %v", contacts)
	}
}

func equalJSON(a, b map[string]any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
