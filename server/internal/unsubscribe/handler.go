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

// HandlerOptions tune the HTTP handler; zero values take the defaults: page views and links
// that do not verify 10 a second per client address, bursts of 50; one-click POSTs of a valid
// link 1 a second per link, bursts of 5, whatever address they come from (mail providers send
// those of many recipients from few addresses).
type HandlerOptions = linkpage.HandlerOptions

// Handler serves /unsubscribe/{token}: GET shows a confirmation page and changes nothing;
// POST unsubscribes (RFC 8058 one-click), commits, then answers 200.
type Handler struct {
	svc    *Service
	opts   HandlerOptions
	limits *linkpage.Limits
}

// NewHandler returns the handler for links made by svc.
func NewHandler(svc *Service, opts HandlerOptions) *Handler {
	opts = opts.WithDefaults(10, 50)
	return &Handler{svc: svc, opts: opts, limits: opts.Limits()}
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
	token, _ := strings.CutPrefix(r.URL.Path, Path)
	contactID, listID, parseErr := h.svc.signer.Parse(token)
	verified, post := parseErr == nil, r.Method == http.MethodPost
	verifiedPost := ""
	if verified && post {
		verifiedPost = contactID + listID
	}
	if ok, wait := h.limits.Allow(r, verifiedPost); !ok {
		w.Header().Set("Retry-After", linkpage.Seconds(wait))
		if verified && !post {
			// The page's button POSTs the verified link, which the address's rate does not hold up.
			render(w, http.StatusTooManyRequests, pageTooManyAsk, nil)
			return
		}
		render(w, http.StatusTooManyRequests, pageTooMany, nil)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.opts.Timeout)
	defer cancel()
	if !verified {
		if err := h.opts.Unverified(ctx); err != nil {
			h.unavailable(w, r, err)
			return
		}
		render(w, http.StatusNotFound, pageInvalid, nil)
		return
	}
	clicked := false
	if post {
		// The body is read before a turn is taken: a slow one holds up no one else's POST.
		clicked = oneClick(w, r)
		release, err := h.limits.Work(ctx)
		if err != nil {
			h.unavailable(w, r, err)
			return
		}
		defer release()
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
	if !post {
		render(w, http.StatusOK, pageConfirm, data)
		return
	}
	if !clicked {
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
	if !errors.Is(err, linkpage.ErrBusy) { // a flood, not news of the database: logged it would flood the log too
		h.opts.Log.ErrorContext(r.Context(), "unsubscribe: database unavailable", "request_id", requestid.From(r.Context()), "method", r.Method, "err", err)
	}
	w.Header().Set("Retry-After", linkpage.Seconds(h.opts.RetryAfter))
	render(w, http.StatusServiceUnavailable, pageUnavailable, nil)
}
