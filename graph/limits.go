package graph

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gqlcomplexity "github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/vermerk/vermerk/graph/generated"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/opcache"
	"github.com/vermerk/vermerk/graph/viewer"
)

func limitError(code, format string, args ...any) *gqlerror.Error {
	return &gqlerror.Error{Message: fmt.Sprintf(format, args...), Extensions: map[string]any{"code": code}}
}

// introspectionForStaff hides the schema from INTEGRATOR tokens: they get the documented
// operations of their purposes, not a map of everything.
type introspectionForStaff struct{ facts *opFactCache }

func (introspectionForStaff) ExtensionName() string                   { return "IntrospectionForStaff" }
func (introspectionForStaff) Validate(graphql.ExecutableSchema) error { return nil }
func (x introspectionForStaff) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if !viewer.From(ctx).Has(model.RoleStaff) {
		oc.DisableIntrospection = true
		if oc.Operation != nil && factsOf(x.facts, oc.Operation).introspects {
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
type depthLimit struct {
	max   int
	facts *opFactCache
}

func (depthLimit) ExtensionName() string                   { return "DepthLimit" }
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }
func (d depthLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	if depth := factsOf(d.facts, oc.Operation).depth; depth > d.max {
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

// Costs of work a selection does not show, added once per occurrence (aliases included).
const (
	costTotalCount = 2000 // counts the whole list: up to every contact or blacklist entry
	costExport     = 5000 // subjectAccessExport reads everything stored about a person
	costRecord     = 1000 // processingRecord renders every purpose
	// smallList is what a list of a parent (a contact's lists and consents, a consent's
	// history, …) is priced at; bigList bounds the lists of up to 1,000 entries (an import
	// job's problems and held rows, tokens, webhooks, purposes and distribution lists).
	smallList = 10
	bigList   = 100
)

// complexity counts a page as `first` copies of its child selection and every other list as
// smallList or bigList copies, so a request for 1,000 contacts with all their consents costs
// what it costs. Fixed costs of counts and exports are added by complexityLimit.
func complexity() generated.ComplexityRoot {
	var c generated.ComplexityRoot
	page := func(child int, first *int) int {
		n := DefaultPageSize
		if first != nil {
			n = max(*first, 1)
		}
		return 1 + child*n
	}
	small := func(child int) int { return 1 + child*smallList }
	big := func(child int) int { return 1 + child*bigList }
	c.Query.Contacts = func(child int, _ *string, first *int, _ *string) int { return page(child, first) }
	c.Query.Recipients = func(child int, _ string, first *int, _ *string) int { return page(child, first) }
	c.Query.Blacklist = func(child int, first *int, _ *string) int { return page(child, first) }
	c.Query.AuditTrail = func(child int, _ *string, _ *time.Time, first *int, _ *string) int { return page(child, first) }
	c.Query.RetentionDue = func(child int, first *int, _ *string) int { return page(child, first) }
	c.Query.ImportJobs = func(child int, first *int, _ *string) int { return page(child, first) }
	c.Query.Requests = func(child int, _ *model.RequestStatus, _ *bool, first *int, _ *string) int { return page(child, first) }
	c.Query.WebhookDeliveries = func(child int, _ *string, first *int) int { return page(child, first) }
	c.Query.Purposes, c.Query.Lists, c.Query.APITokens, c.Query.Webhooks = big, big, big, big
	c.Query.ConsentProof = func(child int, _ string) int { return big(child) }
	c.ImportJob.Problems, c.ImportJob.HeldRows = big, big
	c.Contact.Lists, c.Contact.Consents, c.Contact.PossibleDuplicates = small, small, small
	c.Consent.History, c.Purpose.ConsentTexts, c.ContactPayload.Duplicates = small, small, small
	c.ErasurePreview.SameIdentifiers, c.ErasurePreview.LookAlikes = small, small
	c.ImportPreview.Rows, c.Screening.Matches = small, small
	return c
}

// complexityLimit refuses an operation whose complexity (gqlgen's, from complexity() above,
// plus the fixed costs of counts and exports) exceeds max, one with more than maxRoot root
// fields (aliases count: `a: screen(…) b: screen(…)` is two), and a query document longer
// than maxDocument bytes (refused before it is parsed).
type complexityLimit struct {
	max, maxRoot, maxDocument int
	es                        graphql.ExecutableSchema
	facts                     *opFactCache
}

func (*complexityLimit) ExtensionName() string { return "ComplexityLimit" }
func (l *complexityLimit) Validate(es graphql.ExecutableSchema) error {
	l.es = es
	return nil
}

func (l *complexityLimit) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	if len(p.Query) > l.maxDocument {
		return limitError("COMPLEXITY_LIMIT_EXCEEDED", "the query document is %d bytes long; the limit is %d", len(p.Query), l.maxDocument)
	}
	return nil
}

func (l *complexityLimit) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	f := factsOf(l.facts, oc.Operation)
	var roots, cost int
	if m := f.measured.Load(); m != nil { // only a constant operation keeps its count
		roots, cost = m.roots, m.cost
	} else {
		roots, cost = l.measure(ctx, oc, f.fixed)
		if f.constant {
			f.measured.CompareAndSwap(nil, &opCount{roots: roots, cost: cost})
		}
	}
	if roots > l.maxRoot {
		return limitError("COMPLEXITY_LIMIT_EXCEEDED", "the operation has %d root fields (aliases count); the limit is %d: send fewer, or several operations", roots, l.maxRoot)
	}
	if cost > l.max {
		return limitError("COMPLEXITY_LIMIT_EXCEEDED", "operation has complexity %d, which exceeds the limit of %d "+
			"(a page costs `first` times its fields, totalCount %d, subjectAccessExport %d)", cost, l.max, costTotalCount, costExport)
	}
	return nil
}

// measure counts oc's root fields and its cost (fixed costs included).
func (l *complexityLimit) measure(ctx context.Context, oc *graphql.OperationContext, fixed int) (roots, cost int) {
	roots = len(graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{rootTypeName(oc.Operation.Operation)}))
	return roots, gqlcomplexity.Calculate(ctx, l.es, oc.Operation, oc.Variables) + fixed
}

func rootTypeName(op ast.Operation) string {
	switch op {
	case ast.Mutation:
		return "Mutation"
	case ast.Subscription:
		return "Subscription"
	}
	return "Query"
}

// opFacts are what the limits read from an operation's document: gqlgen keeps each parsed
// document (its query cache), so they are worked out once per document, not per request.
// The root fields and the cost also depend on variables where an @skip/@include condition
// (Boolean) or a page size (Int) is one; an operation without variables of those types
// (constant) has them cached too, otherwise they are counted per request.
type opFacts struct {
	depth       int
	introspects bool
	fixed       int  // fixedCosts
	constant    bool // roots and cost depend on no variable

	// measured: a constant operation's root fields and cost, once a request has counted them
	// (read and written by concurrent requests, hence atomic)
	measured atomic.Pointer[opCount]
}

type opCount struct{ roots, cost int }

// opFactEntries bounds the operations whose facts are kept (gqlgen's own cache holds 1,000
// documents).
const opFactEntries = 2000

type opFactCache = opcache.Cache[*opFacts]

func newOpFactCache() *opFactCache { return opcache.New[*opFacts](opFactEntries) }

// factsOf returns op's facts from c, working them out the first time.
func factsOf(c *opFactCache, op *ast.OperationDefinition) *opFacts {
	return c.Get(op, func(op *ast.OperationDefinition) (*opFacts, bool) {
		return &opFacts{depth: selectionDepth(op.SelectionSet, 0), introspects: introspects(op.SelectionSet, 0),
			fixed: fixedCosts(op.SelectionSet, 0), constant: constantShape(op)}, true
	})
}

// constantShape: no variable of op can change which fields it selects (@skip/@include take a
// Boolean) or what a field costs (complexity() reads `first`, an Int).
func constantShape(op *ast.OperationDefinition) bool {
	return !opcache.HasVariableOf(op, "Int", "Boolean")
}

// fixedCosts adds the cost of every totalCount, subjectAccessExport and processingRecord the
// selection asks for, fragments expanded.
func fixedCosts(set ast.SelectionSet, seen int) int {
	if seen > 64 {
		return 0
	}
	cost := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			switch s.Name {
			case "totalCount":
				cost += costTotalCount
			case "subjectAccessExport":
				cost += costExport
			case "processingRecord":
				cost += costRecord
			}
			cost += fixedCosts(s.SelectionSet, seen+1)
		case *ast.InlineFragment:
			cost += fixedCosts(s.SelectionSet, seen+1)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				cost += fixedCosts(s.Definition.SelectionSet, seen+1)
			}
		}
	}
	return cost
}

// operationLimit bounds the queries and mutations one token runs at once on this instance
// (subscriptions have their own limit per connection).
type operationLimit struct {
	max int
	mu  sync.Mutex
	n   map[string]int
}

// acquire counts an operation of oc's token; release (nil for subscriptions and operations
// without a token) gives its slot back, once however often it is called. A token at its
// limit gets the refusal instead.
func (l *operationLimit) acquire(ctx context.Context, oc *graphql.OperationContext) (release func(), refused *graphql.Response) {
	v := viewer.From(ctx)
	if v == nil || oc.Operation == nil || oc.Operation.Operation == ast.Subscription {
		return nil, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n[v.TokenID] >= l.max {
		return nil, &graphql.Response{Errors: gqlerror.List{limitError("RATE_LIMITED",
			"this token already runs %d operations at once, the limit (VERMERK_OPS_PER_TOKEN); wait for their answers", l.max)}}
	}
	l.n[v.TokenID]++
	released := false
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if released {
			return
		}
		released = true
		if l.n[v.TokenID]--; l.n[v.TokenID] <= 0 {
			delete(l.n, v.TokenID)
		}
	}, nil
}

// operationGate is what every operation passes before gqlgen executes it, in one operation
// interceptor (each interceptor is a layer of closures per request, and most requests are
// small queries): the operations per token (operationLimit, for queries and mutations), the
// WebSocket's token checked again (socketRecheck), the subscriptions per connection
// (subscriptionLimit), and the operation's own loaders (withLoaders).
type operationGate struct {
	ops     *operationLimit
	recheck socketRecheck
	subs    *subscriptionLimit
	loaders func(ctx context.Context) context.Context
}

func (*operationGate) ExtensionName() string                   { return "OperationGate" }
func (*operationGate) Validate(graphql.ExecutableSchema) error { return nil }
func (g *operationGate) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	release, refused := g.ops.acquire(ctx, oc)
	if refused != nil {
		return graphql.OneShot(refused)
	}
	h := g.admit(ctx, oc, next)
	if release == nil {
		return h
	}
	return func(ctx context.Context) *graphql.Response {
		defer release()
		return h(ctx)
	}
}

// admit is the gate after the operation limit: the socket's token, the subscription limit,
// then next with the operation's loaders.
func (g *operationGate) admit(ctx context.Context, oc *graphql.OperationContext, next graphql.OperationHandler) graphql.ResponseHandler {
	if s := socketFrom(ctx); s != nil {
		if r := g.recheck.refusal(ctx, s); r != nil {
			return graphql.OneShot(r)
		}
	}
	withLoaders := func(ctx context.Context) graphql.ResponseHandler { return next(g.loaders(ctx)) }
	if oc.Operation != nil && oc.Operation.Operation == ast.Subscription {
		return g.subs.InterceptOperation(ctx, withLoaders)
	}
	return withLoaders(ctx)
}
