package unsubscribe

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/requestid"
	"github.com/vermerk/vermerk/server/internal/linkpage"
)

// HandlerOptions tune the HTTP handler; zero values take the defaults (10 requests a second
// per client address, bursts of 50: mail providers send one-click POSTs for many recipients
// from few addresses).
type HandlerOptions = linkpage.HandlerOptions

// Handler serves /unsubscribe/{token}: GET shows a confirmation page and changes nothing;
// POST unsubscribes (RFC 8058 one-click), commits, then answers 200.
type Handler struct {
	svc   *Service
	opts  HandlerOptions
	limit *linkpage.AddrLimiter
}

// NewHandler returns the handler for links made by svc.
func NewHandler(svc *Service, opts HandlerOptions) *Handler {
	opts = opts.WithDefaults(10, 50)
	return &Handler{svc: svc, opts: opts, limit: opts.Limiter()}
}

const maxFormBytes = 64 << 10

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	linkpage.SetSecurityHeaders(w.Header())
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost:
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		render(w, http.StatusMethodNotAllowed, pageMethod, nil)
		return
	}
	if ok, wait := h.limit.Allow(r); !ok {
		w.Header().Set("Retry-After", linkpage.Seconds(wait))
		render(w, http.StatusTooManyRequests, pageTooMany, nil)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.opts.Timeout)
	defer cancel()
	token, _ := strings.CutPrefix(r.URL.Path, "/unsubscribe/")
	contactID, listID, err := h.svc.signer.Parse(token)
	if err != nil {
		if err := h.opts.Unverified(ctx); err != nil {
			h.unavailable(w, r, err)
			return
		}
		render(w, http.StatusNotFound, pageInvalid, nil)
		return
	}
	list, err := h.svc.consents.ListByID(ctx, listID)
	switch {
	case errors.Is(err, apperr.ErrNotFound):
		render(w, http.StatusNotFound, pageInvalid, nil)
		return
	case err != nil:
		h.unavailable(w, r, err)
		return
	}
	data := &pageData{List: list.Name}
	if r.Method != http.MethodPost {
		render(w, http.StatusOK, pageConfirm, data)
		return
	}
	if !oneClick(w, r) {
		render(w, http.StatusBadRequest, pageBadForm, data)
		return
	}
	already, err := h.svc.consents.UnsubscribeFromList(ctx, contactID, listID, Channel)
	switch {
	case errors.Is(err, apperr.ErrNotFound):
		// The contact was erased: say the same as for anyone else, so links reveal nothing.
		already = true
	case err != nil:
		h.unavailable(w, r, err)
		return
	}
	if already {
		render(w, http.StatusOK, pageAlready, data)
		return
	}
	render(w, http.StatusOK, pageDone, data)
}

// oneClick reports whether the body carries List-Unsubscribe=One-Click, urlencoded or
// multipart (RFC 8058 §3.1), as mail providers and the confirmation page's form send it.
func oneClick(w http.ResponseWriter, r *http.Request) bool {
	return linkpage.PostedField(w, r, maxFormBytes, "List-Unsubscribe") == "One-Click"
}

// unavailable answers 503: nothing was committed, so the client must try again.
func (h *Handler) unavailable(w http.ResponseWriter, r *http.Request, err error) {
	h.opts.Log.ErrorContext(r.Context(), "unsubscribe: database unavailable", "request_id", requestid.From(r.Context()), "method", r.Method, "err", err)
	w.Header().Set("Retry-After", linkpage.Seconds(h.opts.RetryAfter))
	render(w, http.StatusServiceUnavailable, pageUnavailable, nil)
}
