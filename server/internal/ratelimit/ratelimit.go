// Package ratelimit bounds how often one token may call `screen`. Screening answers whether a
// person is on the blacklist, i.e. whether they were erased; unlimited, it is an oracle.
package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/prometheus/client_golang/prometheus"

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

	perToken *Keyed
	refusals prometheus.Counter
}

// Screen wraps b so each token may screen perSecond times a second (bursts up to one second's
// worth). Refusals are counted in vermerk_ratelimit_refusals_total{operation="screen"} on reg
// (nil: not registered).
func Screen(b graph.Blacklist, perSecond float64, reg prometheus.Registerer) *Blacklist {
	if perSecond <= 0 {
		perSecond = 50
	}
	return &Blacklist{
		Blacklist: b,
		perToken:  NewKeyed(perSecond, int(math.Ceil(perSecond))),
		refusals:  Refusals(reg, "screen"),
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
func (b *Blacklist) Screen(ctx context.Context, candidate model.ContactInput) (*model.Screening, error) {
	key := ""
	if v := viewer.From(ctx); v != nil {
		key = v.TokenID
	}
	if wait, ok := b.perToken.Allow(key); !ok {
		b.refusals.Inc()
		return nil, &apperr.Error{Code: apperr.RateLimited, Message: fmt.Sprintf(
			"screen is limited to %g requests per second per token; retry in %s", b.perToken.Limit(), roundUp(wait))}
	}
	return b.Blacklist.Screen(ctx, candidate)
}

func roundUp(d time.Duration) time.Duration {
	if r := d % time.Millisecond; r != 0 {
		d += time.Millisecond - r
	}
	return d
}
