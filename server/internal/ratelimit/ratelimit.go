// Package ratelimit bounds how often one token may call `screen`. Screening answers whether a
// person is on the blacklist, i.e. whether they were erased; unlimited, it is an oracle.
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

	mu        sync.Mutex
	perToken  map[string]*tokenLimiter
	lastSweep time.Time
}

type tokenLimiter struct {
	lim      *rate.Limiter
	lastSeen time.Time
}

// Screen wraps b so each token may screen perSecond times a second (bursts up to one second's
// worth). Refusals are counted in vermerk_ratelimit_refusals_total{operation="screen"} on reg
// (nil: not registered).
func Screen(b graph.Blacklist, perSecond float64, reg prometheus.Registerer) *Blacklist {
	if perSecond <= 0 {
		perSecond = 50
	}
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
	return &Blacklist{
		Blacklist: b,
		limit:     rate.Limit(perSecond),
		burst:     max(1, int(math.Ceil(perSecond))),
		refusals:  vec.WithLabelValues("screen"),
		now:       time.Now,
		perToken:  map[string]*tokenLimiter{},
	}
}

// Screen refuses with RATE_LIMITED when the caller's token has used up its screens.
func (b *Blacklist) Screen(ctx context.Context, candidate model.ContactInput) (*model.Screening, error) {
	if wait, ok := b.allow(viewer.From(ctx)); !ok {
		b.refusals.Inc()
		return nil, &apperr.Error{Code: apperr.RateLimited, Message: fmt.Sprintf(
			"screen is limited to %g requests per second per token; retry in %s", float64(b.limit), roundUp(wait))}
	}
	return b.Blacklist.Screen(ctx, candidate)
}

func (b *Blacklist) allow(v *viewer.Viewer) (time.Duration, bool) {
	key := ""
	if v != nil {
		key = v.TokenID
	}
	now := b.now()
	b.mu.Lock()
	if now.Sub(b.lastSweep) > idleAfter {
		for k, t := range b.perToken {
			if now.Sub(t.lastSeen) > idleAfter {
				delete(b.perToken, k)
			}
		}
		b.lastSweep = now
	}
	t := b.perToken[key]
	if t == nil {
		t = &tokenLimiter{lim: rate.NewLimiter(b.limit, b.burst)}
		b.perToken[key] = t
	}
	t.lastSeen = now
	b.mu.Unlock()

	r := t.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}

func roundUp(d time.Duration) time.Duration {
	if r := d % time.Millisecond; r != 0 {
		d += time.Millisecond - r
	}
	return d
}
