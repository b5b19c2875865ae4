// Package ratelimit bounds how often one token may call `screen`, and how often it may have a
// contact write refused for a blacklist match. Both answer whether a person is on the
// blacklist, i.e. whether they were erased; unlimited, they are an oracle. With Share, the
// budget holds across all instances on one database.
package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/vermerk/vermerk/graph"
	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
)

// idleAfter: a limiter unused this long has a full bucket again and can be dropped.
const idleAfter = time.Minute

// Blacklist is a graph.Blacklist whose Screen is limited per token; the other methods pass
// through to the embedded service.
type Blacklist struct {
	graph.Blacklist

	limit    rate.Limit
	burst    int
	refusals prometheus.Counter
	now      func() time.Time

	tokens *Keyed // a bucket per token

	mu      sync.Mutex
	pending map[string]int // units used here since the last share; nil without Share
}

// Screen wraps b so each token may screen perSecond times a second (bursts up to one second's
// worth). Refusals are counted in vermerk_ratelimit_refusals_total{operation="screen"} on reg
// (nil: not registered).
func Screen(b graph.Blacklist, perSecond float64, reg prometheus.Registerer) *Blacklist {
	if perSecond <= 0 {
		perSecond = 50
	}
	burst := max(1, int(math.Ceil(perSecond)))
	return &Blacklist{
		Blacklist: b,
		limit:     rate.Limit(perSecond),
		burst:     burst,
		refusals:  Refusals(reg, "screen"),
		now:       time.Now,
		tokens:    NewKeyed(perSecond, burst),
	}
}

// Refusals is the counter vermerk_ratelimit_refusals_total{operation} on reg (nil: not registered).
func Refusals(reg prometheus.Registerer, operation string) prometheus.Counter {
	vec := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vermerk_ratelimit_refusals_total",
		Help: "Requests refused because the token exceeded its rate limit.",
	}, []string{"operation"})
	if reg != nil {
		if err := reg.Register(vec); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				panic(fmt.Sprintf("ratelimit: register metrics: %v", err))
			}
			vec = are.ExistingCollector.(*prometheus.CounterVec)
		}
	}
	return vec.WithLabelValues(operation)
}

// Screen refuses with RATE_LIMITED when the caller's token has used up its screens.
func (b *Blacklist) Screen(ctx context.Context, candidate model.ContactInput, asTyped bool) (*model.Screening, error) {
	if wait, ok := b.allow(viewer.From(ctx)); !ok {
		b.refusals.Inc()
		return nil, &apperr.Error{Code: apperr.RateLimited, Message: fmt.Sprintf(
			"screen is limited to %g requests per second per token; retry in %s", float64(b.limit), roundUp(wait))}
	}
	return b.Blacklist.Screen(ctx, candidate, asTyped)
}

func tokenKey(v *viewer.Viewer) string {
	if v == nil {
		return ""
	}
	return v.TokenID
}

// limiter returns the token's bucket.
func (b *Blacklist) limiter(key string, now time.Time) *rate.Limiter {
	return b.tokens.bucket(key, now)
}

// used records units spent here, for the other instances (see Share).
func (b *Blacklist) used(key string, units int) {
	b.mu.Lock()
	if b.pending != nil {
		b.pending[key] += units
	}
	b.mu.Unlock()
}

func (b *Blacklist) allow(v *viewer.Viewer) (time.Duration, bool) {
	key, now := tokenKey(v), b.now()
	if wait, ok := take(b.limiter(key, now), now); !ok {
		return wait, false
	}
	b.used(key, 1)
	return 0, true
}

// spend takes units from the token's budget even below zero (a refused write has told its
// answer already); later screens and writes wait until the budget is back.
func (b *Blacklist) spend(v *viewer.Viewer, units int) {
	key, now := tokenKey(v), b.now()
	b.limiter(key, now).ReserveN(now, min(units, b.burst))
	b.used(key, units)
}

// exhausted reports how long the token must wait before its budget allows one more use.
func (b *Blacklist) exhausted(v *viewer.Viewer) (time.Duration, bool) {
	now := b.now()
	lim := b.limiter(tokenKey(v), now)
	if tokens := lim.TokensAt(now); tokens < 1 {
		return time.Duration((1 - tokens) / float64(b.limit) * float64(time.Second)), true
	}
	return 0, false
}

func roundUp(d time.Duration) time.Duration {
	if r := d % time.Millisecond; r != 0 {
		d += time.Millisecond - r
	}
	return d
}
