package web

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// OperationLogger is a gqlgen extension that hands the operation name to the request log. It
// notes the name when the operation context is made (every operation that gets as far as
// parsed, validated and within the limits before it), which costs no layer of the operation
// interceptors every request passes through.
type OperationLogger struct{}

func (OperationLogger) ExtensionName() string                   { return "OperationLogger" }
func (OperationLogger) Validate(graphql.ExecutableSchema) error { return nil }
func (OperationLogger) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	name := oc.OperationName
	if name == "" && oc.Operation != nil {
		name = oc.Operation.Name
		if name == "" {
			name = string(oc.Operation.Operation) // anonymous: at least query/mutation/subscription
		}
	}
	SetOperationName(ctx, name)
	return nil
}
