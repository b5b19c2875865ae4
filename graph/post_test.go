package graph

import (
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/vermerk/vermerk/graph/generated"
)

// TestWriteResponseIsEncodingJSON: the POST transport's answers are the bytes gqlgen's
// (json.Marshal of the response) would be, with their Content-Length.
func TestWriteResponseIsEncodingJSON(t *testing.T) {
	yes := true
	for _, tc := range []struct {
		name     string
		resp     *graphql.Response
		dataOnly bool // written without encoding/json
	}{
		{"data", &graphql.Response{Data: json.RawMessage(`{"contact":{"id":"1","emails":["max.muster@example.com"]}}`)}, true},
		{"as the executor answers", &graphql.Response{Data: json.RawMessage(`{"contact":null}`), Errors: gqlerror.List{}, Extensions: map[string]any{}}, true},
		{"null data", &graphql.Response{Data: json.RawMessage(`null`)}, true},
		{"html in strings", &graphql.Response{Data: json.RawMessage(`{"a":"<Erika & Max>","b":"x` + "\u2028y\u2029z" + `","c":"ä€𝄞\u2028"}`)}, true},
		{"escaped already", &graphql.Response{Data: json.RawMessage(`{"a":"\u003c\"\\"}`)}, true},
		{"errors", &graphql.Response{Data: json.RawMessage(`{"contact":null}`), Errors: gqlerror.List{{Message: "no <contact>"}}}, false},
		{"extensions", &graphql.Response{Data: json.RawMessage(`{}`), Extensions: map[string]any{"cost": 3}}, false},
		{"has next", &graphql.Response{Data: json.RawMessage(`{}`), HasNext: &yes}, false},
		{"no data", &graphql.Response{Errors: gqlerror.List{{Message: "bad"}}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := dataOnly(tc.resp); got != tc.dataOnly {
				t.Errorf("dataOnly %v, want %v", got, tc.dataOnly)
			}
			want, err := json.Marshal(tc.resp)
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			writeResponse(rec, tc.resp)
			if got := rec.Body.String(); got != string(want) {
				t.Errorf("wrote %s, want %s", got, want)
			}
			if got := rec.Header().Get("Content-Length"); got != strconv.Itoa(len(want)) {
				t.Errorf("Content-Length %s, want %d", got, len(want))
			}
		})
	}
}

func TestResponseContentType(t *testing.T) {
	for accept, want := range map[string]string{
		"":                                  mediaJSON,
		"application/json":                  mediaJSON,
		"*/*":                               mediaJSON,
		"application/graphql-response+json": mediaGraphQLResponse,
		"application/graphql-response+json, application/json;q=0.9": mediaGraphQLResponse,
		"application/json, application/graphql-response+json":       mediaJSON,
		"text/html, application/*;q=0.5":                            mediaJSON,
		"text/html":                                                 mediaGraphQLResponse,
	} {
		if got := responseContentType(accept); got != want {
			t.Errorf("Accept %q: %s, want %s", accept, got, want)
		}
	}
}

// TestOperationFactsAreCachedOnlyWhenConstant: the limits keep the cost of an operation only
// when no variable can change it.
func TestOperationFactsAreCachedOnlyWhenConstant(t *testing.T) {
	s := loadSchema(t)
	for q, want := range map[string]bool{
		`query ($id: ID!) { contact(id: $id) { id emails } }`:                   true,
		`query ($e: String!) { screen(candidate: {emails: [$e]}) { blocked } }`: true,
		`query ($n: Int) { contacts(first: $n) { edges { node { id } } } }`:     false,
		`query ($x: Boolean!) { contacts { totalCount @include(if: $x) } }`:     false,
		`{ contacts(first: 5) { edges { node { id } } } }`:                      true,
	} {
		if got := constantShape(operation(t, s, q)); got != want {
			t.Errorf("%s: constant %v, want %v", q, got, want)
		}
	}
	c := newOpFactCache()
	op := operation(t, s, `{ contacts(first: 5) { totalCount edges { node { id consents { purpose { key } } } } } }`)
	f := factsOf(c, op)
	if f.depth != 6 || f.fixed != costTotalCount || f.introspects || factsOf(c, op) != f {
		t.Errorf("facts %+v (depth 6, fixed %d, one entry per operation)", f, costTotalCount)
	}
}

// Concurrent requests of one constant operation share its counted cost without a data race
// (run with -race), and every one of them is still held to the limit.
func TestConstantCostIsSharedSafely(t *testing.T) {
	s := loadSchema(t)
	doc, errs := gqlparser.LoadQuery(s, `{ a: contacts(first: 5) { totalCount } b: contacts(first: 5) { totalCount } }`)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	l := &complexityLimit{max: 1_000_000, maxRoot: 1, maxDocument: 1 << 20, facts: newOpFactCache()}
	if err := l.Validate(generated.NewExecutableSchema(generated.Config{})); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				oc := &graphql.OperationContext{Doc: doc, Operation: doc.Operations[0], Variables: map[string]any{}}
				if err := l.MutateOperationContext(t.Context(), oc); err == nil || !strings.Contains(err.Message, "2 root fields") {
					t.Errorf("two root fields against a limit of one: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
}
