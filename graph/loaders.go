package graph

import (
	"context"
	"sync"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/vermerk/vermerk/graph/model"
)

// loaders batch the child-field reads of one operation: a page of 50 contacts loads its
// lists, consents and purposes in one query each instead of 50. Each loader is made on first
// use, so an operation that needs none (most) pays nothing.
type loaders struct {
	svc       Consents
	contacts  Contacts
	blacklist Blacklist

	purposesOnce, listsOnce, consentsOnce, textsOnce, duplicatesOnce, blockedOnce sync.Once
	purposes                                                                      *dataloadgen.Loader[string, *model.Purpose]
	lists                                                                         *dataloadgen.Loader[string, []*model.DistributionList]
	consents                                                                      *dataloadgen.Loader[string, []*model.Consent]
	texts                                                                         *dataloadgen.Loader[string, []*model.ConsentText]
	duplicates                                                                    *dataloadgen.Loader[string, []*model.Contact]
	blocked                                                                       *dataloadgen.Loader[string, bool]

	contactsOnce sync.Once
	contactsByID *dataloadgen.Loader[string, *model.Contact]
}

type loadersKey struct{}

var loaderWait = dataloadgen.WithWait(time.Millisecond)

func (l *loaders) purposeLoader() *dataloadgen.Loader[string, *model.Purpose] {
	l.purposesOnce.Do(func() { l.purposes = dataloadgen.NewLoader(l.svc.PurposesByIDs, loaderWait) })
	return l.purposes
}

func (l *loaders) listLoader() *dataloadgen.Loader[string, []*model.DistributionList] {
	l.listsOnce.Do(func() { l.lists = dataloadgen.NewLoader(l.svc.ListsOfContacts, loaderWait) })
	return l.lists
}

func (l *loaders) consentLoader() *dataloadgen.Loader[string, []*model.Consent] {
	l.consentsOnce.Do(func() { l.consents = dataloadgen.NewLoader(l.svc.ConsentsOfContacts, loaderWait) })
	return l.consents
}

func (l *loaders) consentTextLoader() *dataloadgen.Loader[string, []*model.ConsentText] {
	l.textsOnce.Do(func() { l.texts = dataloadgen.NewLoader(l.svc.ConsentTextsOfPurposes, loaderWait) })
	return l.texts
}

func (l *loaders) duplicateLoader() *dataloadgen.Loader[string, []*model.Contact] {
	l.duplicatesOnce.Do(func() { l.duplicates = dataloadgen.NewLoader(l.contacts.PossibleDuplicatesOf, loaderWait) })
	return l.duplicates
}

func (l *loaders) blockedLoader() *dataloadgen.Loader[string, bool] {
	l.blockedOnce.Do(func() { l.blocked = dataloadgen.NewLoader(l.blacklist.BlockedContacts, loaderWait) })
	return l.blocked
}

// withLoaders gives each operation its own loaders (and so its own cache), also each
// operation of a long-lived WebSocket connection (operationGate calls it).
func withLoaders(r *Resolver) func(ctx context.Context) context.Context {
	return func(ctx context.Context) context.Context {
		return context.WithValue(ctx, loadersKey{}, &loaders{svc: r.svc.Consents, contacts: r.svc.Contacts, blacklist: r.svc.Blacklist})
	}
}

func loadersFrom(ctx context.Context) *loaders {
	return ctx.Value(loadersKey{}).(*loaders)
}

func loadPurpose(ctx context.Context, id string) (*model.Purpose, error) {
	return loadersFrom(ctx).purposeLoader().Load(ctx, id)
}

func loadContact(ctx context.Context, id string) (*model.Contact, error) {
	l := loadersFrom(ctx)
	l.contactsOnce.Do(func() { l.contactsByID = dataloadgen.NewLoader(l.contacts.ContactsByIDs, loaderWait) })
	return l.contactsByID.Load(ctx, id)
}
