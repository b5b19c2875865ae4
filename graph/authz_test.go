package graph

import (
	"os"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestEveryOperationHasARoleRule fails the build when an operation is added to the schema
// without an @hasRole rule: an operation without a rule would be open to every token.
func TestEveryOperationHasARoleRule(t *testing.T) {
	src, err := os.ReadFile("../schema.graphql")
	if err != nil {
		t.Fatal(err)
	}
	schema, gqlErr := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: string(src)})
	if gqlErr != nil {
		t.Fatalf("schema.graphql: %v", gqlErr)
	}
	roots := []*ast.Definition{schema.Query, schema.Mutation, schema.Subscription}
	checked := 0
	for _, root := range roots {
		if root == nil {
			continue
		}
		for _, f := range root.Fields {
			if len(f.Name) > 1 && f.Name[:2] == "__" {
				continue // __schema, __type: guarded by introspectionForStaff
			}
			checked++
			d := f.Directives.ForName("hasRole")
			if d == nil {
				t.Errorf("%s.%s has no @hasRole rule; add one (ADMIN if unsure)", root.Name, f.Name)
				continue
			}
			if len(f.Directives.ForNames("hasRole")) > 1 {
				t.Errorf("%s.%s has more than one @hasRole rule; give it exactly one", root.Name, f.Name)
			}
			roles := d.Arguments.ForName("roles")
			if roles == nil || roles.Value == nil || len(roles.Value.Children) == 0 {
				t.Errorf("%s.%s: @hasRole names no role", root.Name, f.Name)
			}
		}
	}
	if checked < 30 {
		t.Fatalf("checked only %d operations; is this the whole schema?", checked)
	}
}
