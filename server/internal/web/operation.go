package web

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/vermerk/vermerk/server/internal/metrics"
)

// OperationLogger is a gqlgen extension that hands the operation's name to the request log:
// its root fields, as the metrics name it (metrics.OperationLabel), not the operation name the
// client chose, which is free text and may name a person. It notes the name when the
// operation context is made (every operation that gets as far as parsed, validated and within
// the limits before it), which costs no layer of the operation interceptors every request
// passes through.
type OperationLogger struct{}

func (OperationLogger) ExtensionName() string                   { return "OperationLogger" }
func (OperationLogger) Validate(graphql.ExecutableSchema) error { return nil }
func (OperationLogger) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation != nil {
		SetOperationName(ctx, metrics.OperationLabel(oc))
	}
	return nil
}
