package linkpage

import (
	"context"
	"errors"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"sync/atomic"
	"time"
)

// HandlerOptions tune the handler of a link page (unsubscribe, sign-up confirmation); zero
// values take the defaults of WithDefaults.
type HandlerOptions struct {
	// PerSecond and Burst limit per client address the requests of links that do not verify
	// and page views (GET, HEAD). A POST of a verified link does not count there.
	PerSecond float64
	Burst     int
	// MaxClients bounds the address limiter's memory (default 10,000 addresses).
	MaxClients int
	// LinkPerSecond and LinkBurst limit the POSTs of one verified link, from wherever they
	// come (default 1 a second, bursts of 5): a replay changes nothing, so only replays wait.
	LinkPerSecond float64
	LinkBurst     int
	// MaxLinks bounds the link limiter's memory (default 100,000 links active at once).
	MaxLinks int
	// MaxInFlight bounds the POSTs of verified links doing database work at once (default 4);
	// more wait for a turn (up to Timeout), they are not refused.
	MaxInFlight int
	// MaxWaiting bounds the POSTs waiting for a turn (default 2,000, over a second's work):
	// beyond, the server is overloaded, and a POST gets 503 with Retry-After at once.
	MaxWaiting int
	// Timeout bounds the database work of one request (default 10 s).
	Timeout time.Duration
	// RetryAfter is what a 503 asks the client to wait (default 30 s).
	RetryAfter time.Duration
	Log        *slog.Logger
	// KeyStillCurrent, when set, is asked about a link that does not verify. It fails once the
	// database's instances sign with a key this one lacks (another instance rotated the key and
	// this one is about to stop): the link may be one of theirs, so the page answers 503 with
	// Retry-After instead of "invalid link", and the retry of the browser or mail provider
	// reaches an instance that can read it. A one-click unsubscription is not lost that way.
	KeyStillCurrent func(context.Context) error
}

// Unverified is what a link that does not verify gets: nil for "invalid link" (404), or the
// error of KeyStillCurrent (this instance was rotated away, or it cannot tell), for 503.
func (o HandlerOptions) Unverified(ctx context.Context) error {
	if o.KeyStillCurrent == nil {
		return nil
	}
	return o.KeyStillCurrent(ctx)
}

// WithDefaults fills the zero fields of o, with perSecond and burst as the page's own rate.
func (o HandlerOptions) WithDefaults(perSecond float64, burst int) HandlerOptions {
	if o.PerSecond <= 0 {
		o.PerSecond = perSecond
	}
	if o.Burst <= 0 {
		o.Burst = burst
	}
	if o.MaxClients <= 0 {
		o.MaxClients = 10_000
	}
	if o.LinkPerSecond <= 0 {
		o.LinkPerSecond = 1
	}
	if o.LinkBurst <= 0 {
		o.LinkBurst = 5
	}
	if o.MaxLinks <= 0 {
		o.MaxLinks = 100_000
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = 4
	}
	if o.MaxWaiting <= 0 {
		o.MaxWaiting = 2_000
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = 30 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o
}

// Limits are a link page's limits. A one-click POST comes from a mail provider's server,
// which sends those of many people from few addresses at once: a POST of a verified link
// counts only against that link, never against its address, so no one's "no" is refused for
// the rate of other people's links. Links that do not verify (an HMAC check: cheap) and page
// views count per client address. An attacker holding many valid links of their own (each
// needs a mailbox on a list) can replay each only at the link's rate, and all POSTs together
// do at most MaxInFlight database transactions at once; the rest wait their turn (at most
// MaxWaiting of them: a flood beyond that is overload, answered 503).
type Limits struct {
	addr       *AddrLimiter
	link       *LinkLimiter
	work       chan struct{}
	waiting    atomic.Int64
	maxWaiting int64
}

// ErrBusy is Work's answer when MaxWaiting POSTs wait already.
var ErrBusy = errors.New("linkpage: too many POSTs waiting for the database")

// Limits are the limits of o (after WithDefaults).
func (o HandlerOptions) Limits() *Limits {
	return &Limits{
		addr: NewAddrLimiter(o.PerSecond, o.Burst, o.MaxClients),
		link: NewLinkLimiter(o.LinkPerSecond, o.LinkBurst, o.MaxLinks),
		work: make(chan struct{}, o.MaxInFlight),

		maxWaiting: int64(o.MaxWaiting),
	}
}

// Allow takes one request: verifiedPost is the verified link (its payload, the same under
// every key it is signed with) when r POSTs it, and "" otherwise, which counts against r's
// client address (a link that does not verify, a page view). It reports whether r may go on,
// else how long to wait.
func (l *Limits) Allow(r *http.Request, verifiedPost string) (bool, time.Duration) {
	if verifiedPost != "" {
		return l.link.Allow(verifiedPost)
	}
	return l.addr.Allow(r)
}

// Work waits for a turn of the database work of a POST; release ends it. It fails when ctx
// ends first (the request's timeout) or with ErrBusy; the page answers 503, nothing was committed.
func (l *Limits) Work(ctx context.Context) (release func(), err error) {
	if l.waiting.Add(1) > l.maxWaiting {
		l.waiting.Add(-1)
		return nil, ErrBusy
	}
	defer l.waiting.Add(-1)
	select {
	case l.work <- struct{}{}:
		return func() { <-l.work }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// PostedField is the field name of a POSTed form, urlencoded or multipart (as browsers and
// mail providers send it), of at most maxBytes; "" for another body or one that cannot be read.
func PostedField(w http.ResponseWriter, r *http.Request, maxBytes int64, name string) string {
	r.Body = http.MaxBytesReader(w, r.Body, maxBytes)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	switch mt {
	case "multipart/form-data":
		err = r.ParseMultipartForm(maxBytes)
	case "application/x-www-form-urlencoded":
		err = r.ParseForm()
	default:
		return ""
	}
	if err != nil {
		return ""
	}
	return r.PostForm.Get(name)
}

// ClientAddr is the address a request came from (web.Handler has already put the client of
// a trusted proxy in RemoteAddr), IPv4-mapped addresses unmapped.
func ClientAddr(remoteAddr string) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}
