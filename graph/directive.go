package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
)

var errUnauthenticated = &apperr.Error{Code: apperr.Unauthenticated,
	Message: "missing or invalid bearer token: send Authorization: Bearer <token>"}

// hasRole is the one authorisation check: every operation in the schema carries it.
func hasRole(ctx context.Context, _ any, next graphql.Resolver, roles []model.Role) (any, error) {
	v := viewer.From(ctx)
	if v == nil {
		return nil, errUnauthenticated
	}
	if !v.Has(roles...) {
		names := make([]string, len(roles))
		for i, r := range roles {
			names[i] = string(r)
		}
		field := graphql.GetFieldContext(ctx).Field.Name
		return nil, apperr.Forbiddenf("%s needs the role %s; this token has %s",
			field, strings.Join(names, " or "), v.Role)
	}
	return next(ctx)
}
