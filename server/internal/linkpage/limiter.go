package linkpage

import (
	"net/http"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// buckets is a token bucket per key. The map is bounded: idle entries (whose bucket has
// refilled) are swept, and when it is still full, new keys share the overflow limiter, or go
// unlimited when there is none.
type buckets[K comparable] struct {
	limit   rate.Limit
	burst   int
	maxSize int

	mu        sync.Mutex
	m         map[K]*client
	overflow  *rate.Limiter
	lastSweep time.Time
}

type client struct {
	lim      *rate.Limiter
	lastSeen time.Time
}

func newBuckets[K comparable](perSecond float64, burst, maxSize int, overflow *rate.Limiter) *buckets[K] {
	return &buckets[K]{limit: rate.Limit(perSecond), burst: burst, maxSize: maxSize, m: map[K]*client{}, overflow: overflow}
}

// allow reports whether key may go on, else how long it should wait.
func (b *buckets[K]) allow(key K) (bool, time.Duration) {
	now := time.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	idle := time.Duration(float64(b.burst)/float64(b.limit)*float64(time.Second)) + time.Second
	if since := now.Sub(b.lastSweep); since > idle || (len(b.m) >= b.maxSize && since > time.Second) {
		for k, c := range b.m {
			if now.Sub(c.lastSeen) > idle {
				delete(b.m, k)
			}
		}
		b.lastSweep = now
	}
	lim := b.overflow
	if c, ok := b.m[key]; ok {
		c.lastSeen = now
		lim = c.lim
	} else if len(b.m) < b.maxSize {
		c := &client{lim: rate.NewLimiter(b.limit, b.burst), lastSeen: now}
		b.m[key] = c
		lim = c.lim
	}
	if lim == nil {
		return true, 0
	}
	res := lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// AddrLimiter limits requests per client address. When its map is full, new addresses share
// one overflow limiter, so a flood of addresses can neither grow memory nor lift the limit.
type AddrLimiter struct {
	b *buckets[netip.Prefix]
}

func NewAddrLimiter(perSecond float64, burst, maxSize int) *AddrLimiter {
	return &AddrLimiter{newBuckets[netip.Prefix](perSecond, burst, maxSize, rate.NewLimiter(rate.Limit(perSecond), burst))}
}

// Allow reports whether the client may go on, else how long it should wait.
func (l *AddrLimiter) Allow(r *http.Request) (bool, time.Duration) {
	return l.b.allow(clientKey(r.RemoteAddr))
}

// LinkLimiter limits the requests of one verified link, wherever they come from. When its map
// is full (more links active at once than it holds), new links go unlimited: one person's link
// must never wait for other people's; Limits.Work still bounds the database work.
type LinkLimiter struct {
	b *buckets[string]
}

func NewLinkLimiter(perSecond float64, burst, maxSize int) *LinkLimiter {
	return &LinkLimiter{newBuckets[string](perSecond, burst, maxSize, nil)}
}

// Allow reports whether the link (its verified payload) may go on, else how long to wait.
func (l *LinkLimiter) Allow(link string) (bool, time.Duration) {
	return l.b.allow(link)
}

// clientKey is the client's IPv4 address or IPv6 /64 (one subscriber line usually holds a
// whole /64).
func clientKey(remoteAddr string) netip.Prefix {
	a, ok := ClientAddr(remoteAddr)
	if !ok {
		return netip.Prefix{}
	}
	bits := 32
	if a.Is6() {
		bits = 64
	}
	p, _ := a.Prefix(bits)
	return p
}
