package graph

import (
	"os"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

func loadSchema(t *testing.T) *ast.Schema {
	t.Helper()
	src, err := os.ReadFile("../schema.graphql")
	if err != nil {
		t.Fatal(err)
	}
	s, gqlErr := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: string(src)})
	if gqlErr != nil {
		t.Fatal(gqlErr)
	}
	return s
}

func operation(t *testing.T, s *ast.Schema, q string) *ast.OperationDefinition {
	t.Helper()
	doc, errs := gqlparser.LoadQuery(s, q)
	if len(errs) > 0 {
		t.Fatalf("%s: %v", q, errs)
	}
	return doc.Operations[0]
}

func TestSelectionDepth(t *testing.T) {
	s := loadSchema(t)
	cases := []struct {
		query string
		depth int
	}{
		{`{ me { name } }`, 2},
		{`{ contacts { edges { node { consents { history { purpose { key } } } } } } }`, 7},
		{`{ contacts { edges { ...n } } } fragment n on ContactEdge { node { lists { purpose { key } } } }`, 6},
		{`{ contacts { edges { node { ... on Contact { lists { key } } } } } }`, 5},
		{`{ __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } me { name } }`, 2},
	}
	for _, c := range cases {
		if got := selectionDepth(operation(t, s, c.query).SelectionSet, 0); got != c.depth {
			t.Errorf("depth of %s = %d, want %d", c.query, got, c.depth)
		}
	}
}

func TestIntrospects(t *testing.T) {
	s := loadSchema(t)
	cases := map[string]bool{
		`{ me { name } __typename }`:                                   false,
		`{ __schema { queryType { name } } }`:                          true,
		`{ __type(name: "Contact") { name } }`:                         true,
		`{ ...q } fragment q on Query { __schema { types { name } } }`: true,
		`{ ... on Query { __type(name: "Role") { name } } }`:           true,
	}
	for q, want := range cases {
		if got := introspects(operation(t, s, q).SelectionSet, 0); got != want {
			t.Errorf("introspects(%s) = %v, want %v", q, got, want)
		}
	}
}

func TestPageSize(t *testing.T) {
	n := func(i int) *int { return &i }
	for _, c := range []struct {
		first *int
		want  int
		ok    bool
	}{{nil, DefaultPageSize, true}, {n(0), 0, true}, {n(MaxPageSize), MaxPageSize, true}, {n(MaxPageSize + 1), 0, false}, {n(-1), 0, false}} {
		got, err := pageSize(c.first)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("pageSize(%v) = %d, %v", c.first, got, err)
		}
	}
}

func TestComplexityCountsPages(t *testing.T) {
	var o Options
	o.defaults()
	c := complexity()
	n := 1000
	// 1,000 contacts with 30 fields each cost more than the limit.
	if got := c.Query.Contacts(30, nil, &n, nil); got <= o.MaxComplexity {
		t.Errorf("complexity of 1000 contacts × 30 fields = %d, want above the limit %d", got, o.MaxComplexity)
	}
	if got := c.Query.Contacts(5, nil, nil, nil); got != 1+5*DefaultPageSize {
		t.Errorf("complexity without first = %d, want the default page", got)
	}
}
