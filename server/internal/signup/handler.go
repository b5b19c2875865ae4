package signup

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/vermerk/vermerk/graph/requestid"
	"github.com/vermerk/vermerk/server/internal/linkpage"
)

// HandlerOptions tune the HTTP handler; zero values take the defaults: page views and links
// that do not verify 5 a second per client address, bursts of 20; a POST of a valid link 1 a
// second per link, bursts of 5, whatever address it comes from (people behind one company or
// carrier NAT confirm at the same time after a campaign).
type HandlerOptions = linkpage.HandlerOptions

// Handler serves /confirm/{token}: GET (and HEAD) show the page and change nothing; POST
// with confirm=yes confirms, commits, then answers 200.
type Handler struct {
	svc    *Service
	opts   HandlerOptions
	limits *linkpage.Limits
}

// NewHandler returns the handler for links made by svc.
func NewHandler(svc *Service, opts HandlerOptions) *Handler {
	opts = opts.WithDefaults(5, 20)
	return &Handler{svc: svc, opts: opts, limits: opts.Limits()}
}

const maxFormBytes = 16 << 10

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
	token, _ := strings.CutPrefix(r.URL.Path, ConfirmPath)
	signUpID, parseErr := h.svc.parseToken(token)
	verified, post := parseErr == nil, r.Method == http.MethodPost
	verifiedPost := ""
	if verified && post {
		verifiedPost = signUpID
	}
	if ok, wait := h.limits.Allow(r, verifiedPost); !ok {
		w.Header().Set("Retry-After", linkpage.Seconds(wait))
		linkpage.Render(w, http.StatusTooManyRequests, p.tooMany, pageData{&View{}})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.opts.Timeout)
	defer cancel()
	if !verified {
		if err := h.opts.Unverified(ctx); err != nil {
			h.unavailable(w, r, p, err)
			return
		}
	}
	// The body is read before a turn is taken: a slow one holds up no one else's POST.
	clicked := post && confirmed(w, r)
	if post && verified {
		release, err := h.limits.Work(ctx)
		if err != nil {
			h.unavailable(w, r, p, err)
			return
		}
		defer release()
	}
	if !post {
		v, err := h.svc.View(ctx, token)
		if err != nil {
			h.unavailable(w, r, p, err)
			return
		}
		h.show(w, p, v.State, v)
		return
	}
	if !clicked {
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
	return linkpage.PostedField(w, r, maxFormBytes, "confirm") == "yes"
}

// unavailable answers 503: nothing was committed, so the person may try again.
func (h *Handler) unavailable(w http.ResponseWriter, r *http.Request, p pages, err error) {
	if !errors.Is(err, linkpage.ErrBusy) { // a flood, not news of the database: logged it would flood the log too
		h.opts.Log.ErrorContext(r.Context(), "confirm: database unavailable", "request_id", requestid.From(r.Context()), "method", r.Method, "err", err)
	}
	w.Header().Set("Retry-After", linkpage.Seconds(h.opts.RetryAfter))
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

// clientIP is the address the request came from.
func clientIP(r *http.Request) *string {
	a, ok := linkpage.ClientAddr(r.RemoteAddr)
	if !ok {
		return nil
	}
	return ptr(a.String())
}
