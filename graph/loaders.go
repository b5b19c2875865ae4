package graph

import (
	"context"
		"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vikstrous/dataloadgen"

	"github.com/vermerk/vermerk/graph/model"
)

// loaders batch the child-field reads of one request: a page of 50 contacts loads its lists,
// consents and purposes in one query each instead of 50.
type loaders struct {
	purposes *dataloadgen.Loader[string, *model.Purpose]
	lists    *dataloadgen.Loader[string, []*model.DistributionList]
	consents *dataloadgen.Loader[string, []*model.Consent]
}

type loadersKey struct{}

func newLoaders(r *Resolver) *loaders {
	wait := dataloadgen.WithWait(time.Millisecond)
	c := func() Consents { return r.svc.Consents }
	return &loaders{
		purposes: dataloadgen.NewLoader(func(ctx context.Context, ids []string) ([]*model.Purpose, []error) {
			return c().PurposesByIDs(ctx, ids)
		}, wait),
		lists: dataloadgen.NewLoader(func(ctx context.Context, ids []string) ([][]*model.DistributionList, []error) {
			return c().ListsOfContacts(ctx, ids)
		}, wait),
		consents: dataloadgen.NewLoader(func(ctx context.Context, ids []string) ([][]*model.Consent, []error) {
			return c().ConsentsOfContacts(ctx, ids)
		}, wait),
	}
}

// withLoaders gives each operation its own loaders (and so its own cache), also each
// operation of a long-lived WebSocket connection.
func withLoaders(r *Resolver) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(context.WithValue(ctx, loadersKey{}, newLoaders(r)))
	}
}

func loadersFrom(ctx context.Context) *loaders {
	return ctx.Value(loadersKey{}).(*loaders)
}

func loadPurpose(ctx context.Context, id string) (*model.Purpose, error) {
	return loadersFrom(ctx).purposes.Load(ctx, id)
}
