package graph

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/vermerk/vermerk/graph/generated"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
)

func limitError(code, format string, args ...any) *gqlerror.Error {
	return &gqlerror.Error{Message: fmt.Sprintf(format, args...), Extensions: map[string]any{"code": code}}
}

// introspectionForStaff hides the schema from INTEGRATOR tokens: they get the documented
// operations of their purposes, not a map of everything.
type introspectionForStaff struct{}

func (introspectionForStaff) ExtensionName() string                   { return "IntrospectionForStaff" }
func (introspectionForStaff) Validate(graphql.ExecutableSchema) error { return nil }
func (introspectionForStaff) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if !viewer.From(ctx).Has(model.RoleStaff) {
		oc.DisableIntrospection = true
		if oc.Operation != nil && introspects(oc.Operation.SelectionSet, 0) {
			// gqlgen would answer a bare "introspection disabled" per field; say why, once.
			return limitError("FORBIDDEN", "introspection (__schema, __type) is only for STAFF and ADMIN tokens; "+
				"integrators get the schema (schema.graphql) from the Vermerk admins")
		}
	}
	return nil
}

// introspects reports whether a selection asks for __schema or __type (__typename is fine).
func introspects(set ast.SelectionSet, seen int) bool {
	if seen > 64 {
		return false
	}
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" || introspects(s.SelectionSet, seen+1) {
				return true
			}
		case *ast.InlineFragment:
			if introspects(s.SelectionSet, seen+1) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && introspects(s.Definition.SelectionSet, seen+1) {
				return true
			}
		}
	}
	return false
}

// depthLimit refuses operations nested deeper than max (introspection fields not counted).
type depthLimit struct{ max int }

func (depthLimit) ExtensionName() string                   { return "DepthLimit" }
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }
func (d depthLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	if depth := selectionDepth(oc.Operation.SelectionSet, 0); depth > d.max {
		return limitError("DEPTH_LIMIT_EXCEEDED", "operation is nested %d levels deep; the limit is %d", depth, d.max)
	}
	return nil
}

func selectionDepth(set ast.SelectionSet, seen int) int {
	if seen > 64 { // fragment cycles are rejected by validation; this is a backstop
		return seen
	}
	deepest := 0
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if strings.HasPrefix(s.Name, "__") {
				continue
			}
			d = 1 + selectionDepth(s.SelectionSet, seen+1)
		case *ast.InlineFragment:
			d = selectionDepth(s.SelectionSet, seen)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				d = selectionDepth(s.Definition.SelectionSet, seen+1)
			}
		}
		deepest = max(deepest, d)
	}
	return deepest
}

// subscriptionLimit bounds the subscriptions running at once on one WebSocket connection.
type subscriptionLimit struct{ max int32 }

type connState struct{ active atomic.Int32 }
type connStateKey struct{}

func (*subscriptionLimit) ExtensionName() string                   { return "SubscriptionLimit" }
func (*subscriptionLimit) Validate(graphql.ExecutableSchema) error { return nil }
func (l *subscriptionLimit) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	st, _ := ctx.Value(connStateKey{}).(*connState)
	if st == nil || oc.Operation == nil || oc.Operation.Operation != ast.Subscription {
		return next(ctx)
	}
	if st.active.Add(1) > l.max {
		st.active.Add(-1)
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{limitError("SUBSCRIPTION_LIMIT_EXCEEDED",
			"this connection already runs %d subscriptions, the limit; open another connection or stop one", l.max)}})
	}
	var once sync.Once
	release := func() { once.Do(func() { st.active.Add(-1) }) }
	context.AfterFunc(ctx, release)
	h := next(ctx)
	return func(ctx context.Context) *graphql.Response {
		r := h(ctx)
		if r == nil {
			release()
		}
		return r
	}
}

func withConnState(ctx context.Context) context.Context {
	return context.WithValue(ctx, connStateKey{}, &connState{})
}

// complexity counts a page as `first` copies of its child selection, so a request for 1,000
// contacts with all their consents costs what it costs.
func complexity() generated.ComplexityRoot {
	var c generated.ComplexityRoot
	page := func(child int, first *int) int {
		n := DefaultPageSize
		if first != nil {
			n = max(*first, 1)
		}
		return 1 + child*n
	}
	c.Query.Contacts = func(child int, _ *string, first *int, _ *string) int { return page(child, first) }
	c.Query.Recipients = func(child int, _ string, first *int, _ *string) int { return page(child, first) }
	c.Query.Blacklist = func(child int, first *int, _ *string) int { return page(child, first) }
	c.Query.AuditTrail = func(child int, _ *string, _ *time.Time, first *int, _ *string) int { return page(child, first) }
	return c
}
