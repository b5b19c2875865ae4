package linkpage

import (
	"context"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"time"
)

// HandlerOptions tune the handler of a link page (unsubscribe, sign-up confirmation); zero
// values take the defaults of WithDefaults.
type HandlerOptions struct {
	// PerSecond and Burst limit requests per client address.
	PerSecond float64
	Burst     int
	// MaxClients bounds the rate limiter's memory (default 10,000 addresses).
	MaxClients int
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

// Limiter is the per-address limiter of o.
func (o HandlerOptions) Limiter() *AddrLimiter {
	return NewAddrLimiter(o.PerSecond, o.Burst, o.MaxClients)
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
