package metrics

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"
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
	return &graphQLMetrics{duration: graphQLDuration(reg), errors: graphQLErrors(reg)}
}

type graphQLMetrics struct {
	duration *prometheus.HistogramVec
	errors   *prometheus.CounterVec
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
	op, typ := operationLabel(oc), string(oc.Operation.Operation)
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
			m.duration.WithLabelValues(op, typ).Observe(time.Since(start).Seconds())
		}
		return resp
	}
}

// operationLabel names the operation by its root fields, sorted and joined with "+".
func operationLabel(oc *graphql.OperationContext) string {
	root := map[ast.Operation]string{ast.Query: "Query", ast.Mutation: "Mutation", ast.Subscription: "Subscription"}
	var names []string
	for _, f := range graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{root[oc.Operation.Operation]}) {
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
