package web

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// OperationLogger is a gqlgen extension that hands the operation name to the request log.
type OperationLogger struct{}

func (OperationLogger) ExtensionName() string                   { return "OperationLogger" }
func (OperationLogger) Validate(graphql.ExecutableSchema) error { return nil }
func (OperationLogger) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	name := oc.OperationName
	if name == "" && oc.Operation != nil {
		name = oc.Operation.Name
		if name == "" {
			name = string(oc.Operation.Operation) // anonymous: at least query/mutation/subscription
		}
	}
	SetOperationName(ctx, name)
	return next(ctx)
}
