// Package web puts Vermerk's HTTP surface together: /graphql, GraphiQL, health and readiness,
// metrics and unsubscribe pages, behind request ids and one log line per request.
package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vermerk/vermerk/graph"
	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/requestid"
	"github.com/vermerk/vermerk/server/internal/signup"
	"github.com/vermerk/vermerk/server/internal/unsubscribe"
	"github.com/vermerk/vermerk/server/internal/web/graphiql"
)

// Routes are the handlers the server mounts; nil ones are left out.
type Routes struct {
	GraphQL     http.Handler
	Ready       func(ctx context.Context) error
	Metrics     http.Handler
	Unsubscribe http.Handler // mounted at /unsubscribe/
	Confirm     http.Handler // mounted at /confirm/ (double opt-in)
	// MaxBodyBytes bounds request bodies other than uploads (default 1 MiB).
	MaxBodyBytes int64
	// MaxUploadBytes bounds multipart uploads (default 200 MB).
	MaxUploadBytes int64
	// RequestTimeout bounds plain HTTP GraphQL requests (not WebSockets, not uploads); default 60 s.
	RequestTimeout time.Duration
	// BodyReadTimeout bounds the reading of a request body (default 30 s), UploadReadTimeout
	// that of a multipart upload (default 10 min): a client trickling its body holds no
	// connection longer.
	BodyReadTimeout, UploadReadTimeout time.Duration
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the client.
	TrustedProxies []netip.Prefix
}

// Handler returns the server's root handler.
func Handler(r Routes, log *slog.Logger) http.Handler {
	if r.MaxBodyBytes == 0 {
		r.MaxBodyBytes = 1 << 20
	}
	if r.MaxUploadBytes == 0 {
		r.MaxUploadBytes = 200 << 20
	}
	if r.RequestTimeout == 0 {
		r.RequestTimeout = 60 * time.Second
	}
	if r.BodyReadTimeout == 0 {
		r.BodyReadTimeout = 30 * time.Second
	}
	if r.UploadReadTimeout == 0 {
		r.UploadReadTimeout = 10 * time.Minute
	}
	mux := http.NewServeMux()
	mux.Handle("/graphql", limitBody(r, r.GraphQL))
	mux.Handle("GET /{$}", graphiql.Page("/graphql"))
	mux.Handle("GET "+graphiql.AssetPrefix, graphiql.Assets())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		ctx, cancel := context.WithTimeout(req.Context(), 3*time.Second)
		defer cancel()
		if r.Ready != nil {
			if err := r.Ready(ctx); err != nil {
				log.WarnContext(ctx, "not ready", "request_id", requestid.From(ctx), "err", err)
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte("not ready: " + err.Error() + "\n"))
				return
			}
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	if r.Metrics != nil {
		mux.Handle("GET /metrics", r.Metrics)
	}
	if r.Unsubscribe != nil {
		mux.Handle(unsubscribe.Path, r.Unsubscribe)
	}
	if r.Confirm != nil {
		mux.Handle(signup.ConfirmPath, r.Confirm)
	}
	return logRequests(log, mux, behindProxies(r.TrustedProxies, mux))
}

// ConfigureServer sets the timeouts every Vermerk HTTP server needs: a client has 10 s to send
// its request headers and an idle keep-alive connection is closed after 2 min. (Bodies get a
// read deadline per request in Handler; WebSockets keep theirs open.)
func ConfigureServer(srv *http.Server) {
	srv.ReadHeaderTimeout = 10 * time.Second
	srv.IdleTimeout = 2 * time.Minute
	srv.MaxHeaderBytes = 64 << 10
}

// limitBody bounds request bodies, the time to read them and plain requests' duration.
// Uploads get their own, larger limits (enforced by the multipart transport after the token
// is checked: nothing here reads a body); WebSockets have no body and no deadline.
func limitBody(r Routes, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if strings.EqualFold(req.Header.Get("Upgrade"), "websocket") {
			next.ServeHTTP(w, req)
			return
		}
		// A deadline only where there is a body: net/http clears it once the body is read to its
		// end; on a request without one it would end the server's wait for a closed connection.
		rc := http.NewResponseController(w)
		if strings.HasPrefix(req.Header.Get("Content-Type"), "multipart/form-data") {
			if req.ContentLength != 0 {
				_ = rc.SetReadDeadline(time.Now().Add(r.UploadReadTimeout))
			}
			req.Body = http.MaxBytesReader(w, req.Body, r.MaxUploadBytes+2<<20)
			next.ServeHTTP(w, req)
			return
		}
		if req.ContentLength != 0 {
			_ = rc.SetReadDeadline(time.Now().Add(r.BodyReadTimeout))
		}
		if req.ContentLength > r.MaxBodyBytes {
			graph.WriteHTTPError(w, http.StatusRequestEntityTooLarge, &apperr.Error{Code: apperr.BadUserInput,
				Message: fmt.Sprintf("request body too large: %d bytes, the limit is %d bytes", req.ContentLength, r.MaxBodyBytes)})
			return
		}
		req.Body = http.MaxBytesReader(w, req.Body, r.MaxBodyBytes)
		ctx, cancel := context.WithTimeout(req.Context(), r.RequestTimeout)
		defer cancel()
		next.ServeHTTP(w, req.WithContext(ctx))
	})
}

// opHolder carries the GraphQL operation name from the executor back to the request log line.
// On a WebSocket, several subscriptions set it at once, each on its own goroutine; the first
// one's name stays.
type opHolder struct{ name atomic.Pointer[string] }
type opKey struct{}

// SetOperationName records the GraphQL operation name for the request's log line.
func SetOperationName(ctx context.Context, name string) {
	if h, ok := ctx.Value(opKey{}).(*opHolder); ok {
		h.name.CompareAndSwap(nil, &name)
	}
}

func (h *opHolder) String() string {
	if p := h.name.Load(); p != nil {
		return *p
	}
	return ""
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// requestState is what logRequests keeps of a request, in one allocation: the context that
// carries its id (requestid.From) and operation name holder, and the writer that notes its
// status.
type requestState struct {
	ctx requestCtx
	sw  statusWriter
}

type requestCtx struct {
	context.Context
	id string
	op opHolder
}

func (c *requestCtx) Value(key any) any {
	if _, ok := key.(opKey); ok {
		return &c.op
	}
	if requestid.IsKey(key) {
		return c.id
	}
	return c.Context.Value(key)
}

// logRequests gives every request an id (X-Request-ID) and logs one line when it ends: id,
// method, route, operation, status, duration. The route is the one of routes the request took
// (routePath), the operation is named by its root fields (metrics.OperationLabel): a log line
// holds nothing a client wrote, which could be personal data.
func logRequests(log *slog.Logger, routes *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		start := time.Now()
		id := newRequestID()
		w.Header()["X-Request-Id"] = []string{id} // Set, without canonicalising a canonical key
		st := &requestState{ctx: requestCtx{Context: req.Context(), id: id}, sw: statusWriter{ResponseWriter: w}}
		ctx, h, sw := context.Context(&st.ctx), &st.ctx.op, &st.sw
		next.ServeHTTP(sw, req.WithContext(ctx))
		// As log.LogAttrs, without the caller's program counter (runtime.Callers, a few per cent of
		// a small request): the source of this line would always be this function.
		if lh := log.Handler(); lh.Enabled(ctx, slog.LevelInfo) {
			r := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
			r.AddAttrs(slog.String("request_id", id), slog.String("method", req.Method),
				slog.String("path", routePath(routes, req)), slog.String("operation", h.String()), slog.Int("status", sw.status),
				slog.Int64("duration_ms", time.Since(start).Milliseconds()))
			_ = lh.Handle(ctx, r)
		}
	})
}

// routePath is the route of routes that req took, as the request log shows it: "/graphql",
// "/healthz"; "/unsubscribe/…" and "/confirm/…" without the link's token, which identifies a
// person's subscription or sign-up; "(no route)" for a path the server does not serve, which
// may hold anything a client typed (an e-mail address). Never the query string.
func routePath(routes *http.ServeMux, req *http.Request) string {
	_, pattern := routes.Handler(req)
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		pattern = pattern[i+1:] // "GET /healthz": the method is on the line already
	}
	switch {
	case pattern == "":
		return "(no route)"
	case pattern == "/{$}":
		return "/"
	case strings.HasSuffix(pattern, "/"):
		return pattern + "…"
	}
	return pattern
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
