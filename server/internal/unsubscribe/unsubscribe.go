// Package unsubscribe makes and serves signed one-click unsubscribe links (RFC 8058): Link
// signs (contact, list) into a URL under the public base URL; Handler serves GET (a
// confirmation page that changes nothing) and POST (the unsubscription) at /unsubscribe/{token}.
package unsubscribe

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// Channel is the ledger source and event channel of a revocation made through a link.
const Channel = "unsubscribe-link"

// Path is where the one-click unsubscribe links point, under the public URL: a link is a
// capability (whoever holds it unsubscribes the contact), so answers holding one are not kept
// for a request sent again (store.NewIdempotency).
const Path = "/unsubscribe/"

// Consents is what the unsubscribe links need from the consent service.
type Consents interface {
	ListByKey(ctx context.Context, key string) (*model.DistributionList, error)
	ListByID(ctx context.Context, id string) (*model.DistributionList, error)
	PurposesByIDs(ctx context.Context, ids []string) ([]*model.Purpose, []error)
	// UnsubscribeFromList revokes the consent for the list's purpose and ends the membership in
	// one transaction; alreadyDone when there was nothing left to change.
	UnsubscribeFromList(ctx context.Context, contactID, listID, channel string) (alreadyDone bool, err error)
}

// Service implements graph.Unsubscribe.
type Service struct {
	consents  Consents
	signer    *Signer
	publicURL string

	// lists caches list key → list for a minute: Contact.unsubscribeURL is resolved once per
	// recipient, and lists are neither renamed nor re-bound to another purpose.
	mu    sync.Mutex
	lists map[string]cachedList
}

type cachedList struct {
	id, purposeKey string
	until          time.Time
}

const (
	listCacheTTL  = time.Minute
	listCacheSize = 1024
)

// New returns the service. publicURL is the base of the links (VERMERK_PUBLIC_URL, no
// trailing slash); keys are sub-keys for "unsubscribe" (screening.DeriveKey), current first.
func New(consents Consents, publicURL string, keys ...screening.Key) (*Service, error) {
	secrets := make([][]byte, len(keys))
	for i, k := range keys {
		secrets[i] = k.Secret
	}
	s, err := NewSigner(secrets...)
	if err != nil {
		return nil, err
	}
	return &Service{consents: consents, signer: s, publicURL: publicURL, lists: map[string]cachedList{}}, nil
}

// Signer returns the token signer (for the HTTP handler).
func (s *Service) Signer() *Signer { return s.signer }

// Link returns the absolute one-click unsubscribe URL of the contact for the list. An
// integrator may only get links for lists of its purposes.
func (s *Service) Link(ctx context.Context, contactID, listKey string) (string, error) {
	if err := store.CheckID("contactId", contactID); err != nil {
		return "", err
	}
	l, err := s.list(ctx, listKey)
	if err != nil {
		return "", err
	}
	if v := viewer.From(ctx); v != nil && !v.MayUsePurpose(l.purposeKey) {
		return "", apperr.Forbiddenf("list %q belongs to purpose %q, which this token is not bound to; ask an admin for a token that includes it", listKey, l.purposeKey)
	}
	tok, err := s.signer.Sign(contactID, l.id)
	if err != nil {
		return "", fmt.Errorf("unsubscribe.Link(%s, %s): %w", contactID, listKey, err)
	}
	return s.publicURL + Path + tok, nil
}

func (s *Service) list(ctx context.Context, key string) (cachedList, error) {
	now := time.Now()
	s.mu.Lock()
	c, ok := s.lists[key]
	s.mu.Unlock()
	if ok && now.Before(c.until) {
		return c, nil
	}
	// Looked up as nobody in particular: the cache is shared, purpose binding is checked in Link.
	ctx = viewer.With(ctx, nil)
	l, err := s.consents.ListByKey(ctx, key)
	if errors.Is(err, apperr.ErrNotFound) {
		return cachedList{}, apperr.BadInput("listKey", apperr.ReasonListUnknown, "no distribution list with key %q; see the lists query for the existing ones", apperr.Clip(key))
	}
	if err != nil {
		return cachedList{}, fmt.Errorf("unsubscribe.Link: list %s: %w", apperr.Clip(key), err)
	}
	ps, errs := s.consents.PurposesByIDs(ctx, []string{l.PurposeID})
	if errs[0] != nil {
		return cachedList{}, fmt.Errorf("unsubscribe.Link: purpose of list %s: %w", l.Key, errs[0])
	}
	c = cachedList{id: l.ID, purposeKey: ps[0].Key, until: now.Add(listCacheTTL)}
	s.mu.Lock()
	if len(s.lists) >= listCacheSize {
		clear(s.lists)
	}
	s.lists[key] = c
	s.mu.Unlock()
	return c, nil
}
