package opcache

import (
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

func operation(t *testing.T, query string) *ast.OperationDefinition {
	t.Helper()
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		t.Fatal(err)
	}
	return doc.Operations[0]
}

// A value is worked out once per operation when it may be kept, per request when not, and a
// full cache starts afresh.
func TestGetKeepsWhatMayBeKept(t *testing.T) {
	c := New[int](2)
	calls := 0
	work := func(keep bool) func(*ast.OperationDefinition) (int, bool) {
		return func(*ast.OperationDefinition) (int, bool) { calls++; return calls, keep }
	}
	a, b, d := operation(t, `{ a }`), operation(t, `{ b }`), operation(t, `{ d }`)
	if v := c.Get(a, work(true)); v != 1 {
		t.Fatalf("first Get = %d, want 1", v)
	}
	if v := c.Get(a, work(true)); v != 1 || calls != 1 {
		t.Fatalf("second Get = %d after %d calls, want the kept 1 after 1", v, calls)
	}
	if v, w := c.Get(b, work(false)), c.Get(b, work(false)); v == w {
		t.Fatalf("a value that may not be kept was kept: %d, %d", v, w)
	}
	c.Get(b, work(true)) // a and b: full
	c.Get(d, work(true)) // starts afresh
	before := calls
	c.Get(a, work(true))
	if calls != before+1 {
		t.Fatal("a full cache kept its old entries")
	}
}

func TestHasVariableOf(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  bool
	}{
		{`query { a }`, false},
		{`query($id: ID!) { a(id: $id) }`, false},
		{`query($n: Int) { a(first: $n) }`, true},
		{`query($ns: [Int!]!) { a(sizes: $ns) }`, true},
		{`query($x: Boolean!) { a @include(if: $x) }`, true},
	} {
		if got := HasVariableOf(operation(t, tc.query), "Int", "Boolean"); got != tc.want {
			t.Errorf("HasVariableOf(%q) = %v, want %v", tc.query, got, tc.want)
		}
	}
}
