package graph

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"

	"github.com/vermerk/vermerk/graph/apperr"
)

const (
	// DefaultPageSize is used when a connection field is asked without `first`.
	DefaultPageSize = 50
	// MaxPageSize bounds `first`, so one request cannot read a whole table.
	MaxPageSize = 1000
)

func pageSize(first *int) (int, error) {
	if first == nil {
		return DefaultPageSize, nil
	}
	if *first < 0 || *first > MaxPageSize {
		return 0, apperr.BadInput("first", apperr.ReasonPageSize, "first must be between 0 and %d, got %d", MaxPageSize, *first)
	}
	return *first, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Requested reports whether the GraphQL request selects field on the result of the field
// being resolved; outside a GraphQL request every field counts as requested. Services use it
// to skip costly extras such as totalCount, which counts a whole list.
func Requested(ctx context.Context, field string) bool {
	if !graphql.HasOperationContext(ctx) || graphql.GetFieldContext(ctx) == nil {
		return true
	}
	return slices.Contains(graphql.CollectAllFields(ctx), field)
}
