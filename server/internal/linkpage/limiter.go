package linkpage

import (
	"net/http"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// AddrLimiter limits requests per client address. The map is bounded: idle entries (whose
// bucket has refilled) are swept, and when it is still full, new addresses share one
// overflow limiter, so a flood of addresses can neither grow memory nor lift the limit.
type AddrLimiter struct {
	limit   rate.Limit
	burst   int
	maxSize int

	mu        sync.Mutex
	clients   map[netip.Prefix]*client
	overflow  *rate.Limiter
	lastSweep time.Time
}

type client struct {
	lim      *rate.Limiter
	lastSeen time.Time
}

func NewAddrLimiter(perSecond float64, burst, maxSize int) *AddrLimiter {
	return &AddrLimiter{
		limit: rate.Limit(perSecond), burst: burst, maxSize: maxSize,
		clients:  map[netip.Prefix]*client{},
		overflow: rate.NewLimiter(rate.Limit(perSecond), burst),
	}
}

// Allow reports whether the client may go on, else how long it should wait.
func (l *AddrLimiter) Allow(r *http.Request) (bool, time.Duration) {
	key := clientKey(r.RemoteAddr)
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	idle := time.Duration(float64(l.burst)/float64(l.limit)*float64(time.Second)) + time.Second
	if since := now.Sub(l.lastSweep); since > idle || (len(l.clients) >= l.maxSize && since > time.Second) {
		for k, c := range l.clients {
			if now.Sub(c.lastSeen) > idle {
				delete(l.clients, k)
			}
		}
		l.lastSweep = now
	}
	lim := l.overflow
	if c, ok := l.clients[key]; ok {
		c.lastSeen = now
		lim = c.lim
	} else if len(l.clients) < l.maxSize {
		c := &client{lim: rate.NewLimiter(l.limit, l.burst), lastSeen: now}
		l.clients[key] = c
		lim = c.lim
	}
	res := lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
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
