package metrics

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/vermerk/vermerk/graph/opcache"
)

// maxNamedRootFields: an operation selecting more root fields than this is labelled "multiple",
// so the label values stay few.
const maxNamedRootFields = 3

func graphQLDuration(reg prometheus.Registerer) *prometheus.HistogramVec {
	return register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "graphql_request_duration_seconds",
		Help: "Duration of GraphQL queries and mutations from the start of the request to the finished response, " +
			"by operation (its root fields) and type.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"operation", "type"}))
}

func graphQLErrors(reg prometheus.Registerer) *prometheus.CounterVec {
	return register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "graphql_errors_total",
		Help: "Errors in GraphQL responses (subscription events included), by operation, type and extensions.code.",
	}, []string{"operation", "type", "code"}))
}

// GraphQL returns the gqlgen extension that records, for every executed operation,
// vermerk_graphql_request_duration_seconds{operation,type} (queries and mutations; a
// subscription lasts as long as its client wants) and vermerk_graphql_errors_total
// {operation,type,code}. The operation label is the operation's root fields (e.g. "contact",
// "createContact", "lists+purposes"), not the client-chosen operation name, so it is bounded
// by the schema. Requests refused before execution (unparsable, invalid) are not counted.
func GraphQL(reg prometheus.Registerer) graphql.HandlerExtension {
	return &graphQLMetrics{duration: graphQLDuration(reg), errors: graphQLErrors(reg),
		labels: opcache.New[opLabel](maxCachedLabels)}
}

type graphQLMetrics struct {
	duration *prometheus.HistogramVec
	errors   *prometheus.CounterVec

	// labels keeps the label and duration observer of each operation whose root fields depend
	// on no variable (no Boolean one for @skip/@include), so that a request neither collects
	// its root fields nor looks up the histogram by label; gqlgen's query cache hands out the
	// same operation for the same document.
	labels *opcache.Cache[opLabel]
}

type opLabel struct {
	name     string
	duration prometheus.Observer
}

// maxCachedLabels bounds labels; when full it starts afresh.
const maxCachedLabels = 2000

// label is oc's operation label and duration observer.
func (m *graphQLMetrics) label(oc *graphql.OperationContext) opLabel {
	return m.labels.Get(oc.Operation, func(op *ast.OperationDefinition) (opLabel, bool) {
		name := OperationLabel(oc)
		l := opLabel{name: name}
		if op.Operation != ast.Subscription { // a subscription's duration is not observed
			l.duration = m.duration.WithLabelValues(name, string(op.Operation))
		}
		return l, !opcache.HasVariableOf(op, "Boolean")
	})
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = (*graphQLMetrics)(nil)

func (*graphQLMetrics) ExtensionName() string                   { return "Metrics" }
func (*graphQLMetrics) Validate(graphql.ExecutableSchema) error { return nil }

func (m *graphQLMetrics) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	start := oc.Stats.OperationStart
	if start.IsZero() {
		start = time.Now()
	}
	l, typ := m.label(oc), string(oc.Operation.Operation)
	op := l.name
	handler := next(ctx)
	observed := false
	return func(ctx context.Context) *graphql.Response {
		resp := handler(ctx)
		if resp != nil {
			for _, e := range resp.Errors {
				code, _ := e.Extensions["code"].(string)
				if code == "" {
					code = "UNKNOWN"
				}
				m.errors.WithLabelValues(op, typ, code).Inc()
			}
		}
		if typ != string(ast.Subscription) && !observed {
			observed = true
			l.duration.Observe(time.Since(start).Seconds())
		}
		return resp
	}
}

// OperationLabel names the operation by its root fields, sorted and joined with "+" ("contact",
// "lists+purposes"; "multiple" beyond maxNamedRootFields): the one name of an operation in
// metrics and logs, bounded by the schema and free of what the client wrote (its operation
// name may name a person). Kept per operation where no Boolean variable (@skip/@include)
// can change the root fields.
func OperationLabel(oc *graphql.OperationContext) string {
	return labelNames.Get(oc.Operation, func(*ast.OperationDefinition) (string, bool) {
		return operationLabel(oc), !opcache.HasVariableOf(oc.Operation, "Boolean")
	})
}

var labelNames = opcache.New[string](maxCachedLabels)

func operationLabel(oc *graphql.OperationContext) string {
	root := "Query"
	switch oc.Operation.Operation {
	case ast.Mutation:
		root = "Mutation"
	case ast.Subscription:
		root = "Subscription"
	}
	var names []string
	for _, f := range graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{root}) {
		if f.Name != "__typename" && !slices.Contains(names, f.Name) {
			names = append(names, f.Name)
		}
	}
	switch {
	case len(names) == 0:
		return "__typename"
	case len(names) > maxNamedRootFields:
		return "multiple"
	}
	slices.Sort(names)
	return strings.Join(names, "+")
}
