package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vermerk/vermerk/graph"
	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
)

type fakeTokens struct{ graph.Tokens }

func (fakeTokens) Authenticate(context.Context, string) (*viewer.Viewer, error) {
	return &viewer.Viewer{TokenID: "t1", Name: "test", Role: model.RoleAdmin}, nil
}

// fakeContacts fails the way a broken database would, or with a caller error.
type fakeContacts struct{ graph.Contacts }

func (fakeContacts) Contact(_ context.Context, id string) (*model.Contact, error) {
	switch id {
	case "sql":
		return nil, errors.New(`ERROR: relation "contacts" does not exist (SQLSTATE 42P01) SELECT secret`)
	case "panic":
		panic("boom: SELECT secret")
	}
	return nil, apperr.BadInput("id", apperr.ReasonBadID, "%q is not a valid id", id)
}

func post(t *testing.T, h http.Handler, body string) map[string]any {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer x")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return out
}

func TestErrorsNeverLeakInternals(t *testing.T) {
	var logged bytes.Buffer
	h := graph.NewHandler(graph.Services{Tokens: fakeTokens{}, Contacts: fakeContacts{}},
		graph.Options{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	cases := []struct {
		body, code, mustContain, reason string
	}{
		{`{"query":"{ contact(id: \"sql\") { id } }"}`, "INTERNAL", "internal error (request id", ""},
		{`{"query":"{ contact(id: \"panic\") { id } }"}`, "INTERNAL", "internal error (request id", ""},
		{`{"query":"{ contact(id: \"nope\") { id } }"}`, "BAD_USER_INPUT", `"nope" is not a valid id`, "BAD_ID"},
		// gqlgen's own coercion error still carries a reason clients can word
		{`{"query":"{ auditTrail(since: \"yesterday\") { edges { cursor } } }"}`, "BAD_USER_INPUT", "", "INVALID_VALUE"},
	}
	for _, c := range cases {
		out := post(t, h, c.body)
		errs, _ := out["errors"].([]any)
		if len(errs) == 0 {
			t.Errorf("%s: no error in %v", c.body, out)
			continue
		}
		e := errs[0].(map[string]any)
		msg, _ := e["message"].(string)
		code, _ := e["extensions"].(map[string]any)["code"].(string)
		if reason, _ := e["extensions"].(map[string]any)["reason"].(string); reason != c.reason {
			t.Errorf("%s: reason %q, want %q", c.body, reason, c.reason)
		}
		if code != c.code || !strings.Contains(msg, c.mustContain) || strings.Contains(msg, "SELECT") {
			t.Errorf("%s: got code %q message %q; want code %q containing %q and no SQL", c.body, code, msg, c.code, c.mustContain)
		}
	}
	if !strings.Contains(logged.String(), "SQLSTATE 42P01") {
		t.Errorf("the internal error was not logged for the operator: %s", logged.String())
	}
}

// gqlparser's messages keep what is wrong and the names, not the value (the real server's
// answers are checked in server/internal/web's TestErrorsDoNotQuoteWhatWasTyped).
func TestWithoutValue(t *testing.T) {
	for msg, want := range map[string]string{
		`Int cannot represent non-integer value: "Zyxqa: Quorvex"`:               `Int cannot represent non-integer value.`,
		`ID cannot represent a non-string and non-integer value: Zyxqa`:          `ID cannot represent a non-string and non-integer value.`,
		`Value "Zyxqa" does not exist in "LegalBasis!" enum.`:                    `The value does not exist in "LegalBasis!" enum.`,
		`Expected value of type "String!", found "Zyxqa".`:                       `Expected value of type "String!", found another value.`,
		`Expected value of type "String!", found null.`:                          `Expected value of type "String!", found null.`,
		"Zyxqa\nQuorvex is not a valid LegalBasis":                               `the value is not a valid LegalBasis`,
		`cannot use value 4955501234 as Int`:                                     `cannot use the number as Int`,
		`cannot use 9.1e+15 as ID: integers beyond 2^53-1 may have been rounded`: `cannot use the number as ID: integers beyond 2^53-1 may have been rounded`,
		`Cannot query field "emial" on type "Contact". Did you mean "emails"?`:   `Cannot query field "emial" on type "Contact". Did you mean "emails"?`,
		`cannot use string as Int`:                                               `cannot use string as Int`,
	} {
		if got := graph.WithoutValue(msg); got != want {
			t.Errorf("WithoutValue(%q) = %q, want %q", msg, got, want)
		}
	}
}
