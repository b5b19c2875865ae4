package metrics

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vermerk/vermerk/graph"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// Screens counts the screenings of the services it wraps in Screenings and ScreeningMatches.
type Screens struct {
	total   prometheus.Counter
	matches *prometheus.CounterVec
}

// NewScreens counts on reg.
func NewScreens(reg prometheus.Registerer) *Screens {
	return &Screens{total: Screenings(reg), matches: ScreeningMatches(reg)}
}

// Observe counts one finished screening; a failed one (nil) is not counted.
func (s *Screens) Observe(scr *model.Screening) {
	if scr == nil {
		return
	}
	s.total.Inc()
	for _, m := range scr.Matches {
		s.matches.WithLabelValues(string(m.Field)).Inc()
	}
}

// Blacklist wraps b so its Screen is counted; the other methods pass through.
func (s *Screens) Blacklist(b graph.Blacklist) graph.Blacklist {
	return countedBlacklist{Blacklist: b, screens: s}
}

type countedBlacklist struct {
	graph.Blacklist
	screens *Screens
}

func (b countedBlacklist) Screen(ctx context.Context, candidate model.ContactInput, asTyped bool) (*model.Screening, error) {
	scr, err := b.Blacklist.Screen(ctx, candidate, asTyped)
	b.screens.Observe(scr)
	return scr, err
}

// TxScreener screens within a writing transaction (contacts.Screener and the importer's).
type TxScreener interface {
	ScreenTx(ctx context.Context, q store.Querier, c screening.Candidate) (*model.Screening, error)
	HashContacts(ctx context.Context, q store.Querier, ids []string) error
	IdentifierHash(kind screening.Kind, normalized string) (keyID string, hash []byte, err error)
}

// Screener wraps sc so every ScreenTx is counted.
func (s *Screens) Screener(sc TxScreener) TxScreener {
	return countedScreener{inner: sc, screens: s}
}

type countedScreener struct {
	inner   TxScreener
	screens *Screens
}

func (c countedScreener) ScreenTx(ctx context.Context, q store.Querier, cand screening.Candidate) (*model.Screening, error) {
	scr, err := c.inner.ScreenTx(ctx, q, cand)
	c.screens.Observe(scr)
	return scr, err
}

func (c countedScreener) HashContacts(ctx context.Context, q store.Querier, ids []string) error {
	return c.inner.HashContacts(ctx, q, ids)
}

func (c countedScreener) IdentifierHash(kind screening.Kind, normalized string) (string, []byte, error) {
	return c.inner.IdentifierHash(kind, normalized)
}
