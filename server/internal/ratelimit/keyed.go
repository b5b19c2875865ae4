package ratelimit

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Keyed is a token bucket per key (an API token, the hash of an e-mail address, …). Buckets
// that have refilled are dropped, so memory follows the keys active in the last while.
type Keyed struct {
	limit rate.Limit
	burst int
	idle  time.Duration // a bucket unused this long is full again
	now   func() time.Time

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	lim      *rate.Limiter
	lastSeen time.Time
}

// NewKeyed allows each key perSecond events a second, in bursts of up to burst.
func NewKeyed(perSecond float64, burst int) *Keyed {
	burst = max(1, burst)
	refill := time.Duration(float64(burst) / perSecond * float64(time.Second))
	return &Keyed{limit: rate.Limit(perSecond), burst: burst, idle: max(idleAfter, refill),
		now: time.Now, buckets: map[string]*bucket{}}
}

// Allow takes one event from key's bucket; when it is empty, it says how long to wait.
func (k *Keyed) Allow(key string) (wait time.Duration, ok bool) {
	now := k.now()
	return take(k.bucket(key, now), now)
}

// bucket returns key's limiter, made on first use; idle ones are dropped now and then.
func (k *Keyed) bucket(key string, now time.Time) *rate.Limiter {
	k.mu.Lock()
	defer k.mu.Unlock()
	if now.Sub(k.lastSweep) > k.idle {
		for key, b := range k.buckets {
			if now.Sub(b.lastSeen) > k.idle {
				delete(k.buckets, key)
			}
		}
		k.lastSweep = now
	}
	b := k.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(k.limit, k.burst)}
		k.buckets[key] = b
	}
	b.lastSeen = now
	return b.lim
}

// take takes one event from lim at now; when it is empty, it says how long to wait.
func take(lim *rate.Limiter, now time.Time) (time.Duration, bool) {
	r := lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}

// Limit is the sustained rate in events per second.
func (k *Keyed) Limit() float64 { return float64(k.limit) }

// RoundUp rounds a wait up to whole milliseconds, for messages.
func RoundUp(d time.Duration) time.Duration { return roundUp(d) }
