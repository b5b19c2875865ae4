package signup

import (
	"context"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/vermerk/vermerk/graph/requestid"
	"github.com/vermerk/vermerk/server/internal/linkpage"
)

// HandlerOptions tune the HTTP handler; zero values take the defaults.
type HandlerOptions struct {
	// PerSecond and Burst limit requests per client address (default 5/s, bursts of 20).
	PerSecond float64
	Burst     int
	// MaxClients bounds the rate limiter's memory (default 10,000 addresses).
	MaxClients int
	// Timeout bounds the database work of one request (default 10 s).
	Timeout time.Duration
	Log     *slog.Logger
}

// Handler serves /confirm/{token}: GET (and HEAD) show the page and change nothing; POST
// with confirm=yes confirms, commits, then answers 200.
type Handler struct {
	svc   *Service
	opts  HandlerOptions
	limit *linkpage.AddrLimiter
}

// NewHandler returns the handler for links made by svc.
func NewHandler(svc *Service, opts HandlerOptions) *Handler {
	if opts.PerSecond <= 0 {
		opts.PerSecond = 5
	}
	if opts.Burst <= 0 {
		opts.Burst = 20
	}
	if opts.MaxClients <= 0 {
		opts.MaxClients = 10_000
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	return &Handler{svc: svc, opts: opts, limit: linkpage.NewAddrLimiter(opts.PerSecond, opts.Burst, opts.MaxClients)}
}

const maxFormBytes = 16 << 10

// retryAfter is what a 503 asks the client to wait.
const retryAfter = 30 * time.Second

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	linkpage.SetSecurityHeaders(w.Header())
	w.Header().Set("Vary", "Accept-Language")
	p := pagesFor(r.Header.Get("Accept-Language"))
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost:
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		linkpage.Render(w, http.StatusMethodNotAllowed, p.method, pageData{&View{}})
		return
	}
	if ok, wait := h.limit.Allow(r); !ok {
		w.Header().Set("Retry-After", linkpage.Seconds(wait))
		linkpage.Render(w, http.StatusTooManyRequests, p.tooMany, pageData{&View{}})
		return
	}
	token, _ := strings.CutPrefix(r.URL.Path, "/confirm/")
	ctx, cancel := context.WithTimeout(r.Context(), h.opts.Timeout)
	defer cancel()
	if r.Method != http.MethodPost {
		v, err := h.svc.View(ctx, token)
		if err != nil {
			h.unavailable(w, r, p, err)
			return
		}
		h.show(w, p, v.State, v)
		return
	}
	if !confirmed(w, r) {
		linkpage.Render(w, http.StatusBadRequest, p.badForm, pageData{&View{}})
		return
	}
	state, err := h.svc.Confirm(ctx, token, Step{At: time.Now(), IP: clientIP(r), UserAgent: ptr(r.UserAgent())})
	if err != nil {
		h.unavailable(w, r, p, err)
		return
	}
	h.show(w, p, state, &View{})
}

// show renders the page of state.
func (h *Handler) show(w http.ResponseWriter, p pages, state State, v *View) {
	switch state {
	case StatePending:
		linkpage.Render(w, http.StatusOK, p.confirm, pageData{v})
	case StateJustConfirmed:
		linkpage.Render(w, http.StatusOK, p.done, pageData{v})
	case StateConfirmed:
		linkpage.Render(w, http.StatusOK, p.already, pageData{v})
	case StateExpired:
		linkpage.Render(w, http.StatusGone, p.expired, pageData{v})
	default:
		linkpage.Render(w, http.StatusNotFound, p.invalid, pageData{v})
	}
}

// confirmed reports whether the form carries confirm=yes, as the page's button sends it.
func confirmed(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	switch mt {
	case "multipart/form-data":
		err = r.ParseMultipartForm(maxFormBytes)
	case "application/x-www-form-urlencoded":
		err = r.ParseForm()
	default:
		return false
	}
	return err == nil && r.PostForm.Get("confirm") == "yes"
}

// unavailable answers 503: nothing was committed, so the person may try again.
func (h *Handler) unavailable(w http.ResponseWriter, r *http.Request, p pages, err error) {
	h.opts.Log.ErrorContext(r.Context(), "confirm: database unavailable", "request_id", requestid.From(r.Context()), "method", r.Method, "err", err)
	w.Header().Set("Retry-After", linkpage.Seconds(retryAfter))
	linkpage.Render(w, http.StatusServiceUnavailable, p.unavailable, pageData{&View{}})
}

var languages = language.NewMatcher([]language.Tag{language.German, language.English})

// pagesFor picks German or English by Accept-Language; German when neither is asked for.
func pagesFor(acceptLanguage string) pages {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return pagesDE
	}
	_, i, conf := languages.Match(tags...)
	if i == 1 && conf != language.No {
		return pagesEN
	}
	return pagesDE
}

// clientIP is the address the request came from (web.Handler has already put the client of
// a trusted proxy there).
func clientIP(r *http.Request) *string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return nil
	}
	return ptr(a.Unmap().String())
}
