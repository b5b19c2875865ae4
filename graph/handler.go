package graph

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	coderws "github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/generated"
	"github.com/vermerk/vermerk/graph/requestid"
	"github.com/vermerk/vermerk/graph/viewer"
)

// Options are the limits and hooks of the /graphql handler.
type Options struct {
	Logger *slog.Logger
	// MaxUploadSize bounds a multipart upload (startImport); default 200 MB.
	MaxUploadSize int64
	// MaxDepth and MaxComplexity bound one operation; defaults 12 and 20000 (a page of 1,000 recipients with names, e-mails and links costs about 6,000).
	MaxDepth      int
	MaxComplexity int
	// OriginPatterns are the browser origins allowed to open a WebSocket (host patterns as in
	// coder/websocket's AcceptOptions); requests without an Origin header are always allowed.
	OriginPatterns []string
	// MaxSubscriptionsPerConnection bounds concurrent subscriptions on one WebSocket; default 20.
	MaxSubscriptionsPerConnection int
	// Extensions are added to the executor (metrics, for instance).
	Extensions []graphql.HandlerExtension
}

func (o *Options) defaults() {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxUploadSize == 0 {
		o.MaxUploadSize = 200 << 20
	}
	if o.MaxDepth == 0 {
		o.MaxDepth = 12
	}
	if o.MaxComplexity == 0 {
		o.MaxComplexity = 20000
	}
	if o.MaxSubscriptionsPerConnection == 0 {
		o.MaxSubscriptionsPerConnection = 20
	}
}

// NewHandler serves /graphql: POST, GET, multipart uploads and graphql-transport-ws on one path.
// HTTP callers authenticate with Authorization: Bearer; WebSocket callers in connection_init.
func NewHandler(s Services, opts Options) http.Handler {
	r := &Resolver{svc: s}
	opts.defaults()
	cfg := generated.Config{Resolvers: r}
	cfg.Directives.HasRole = hasRole
	cfg.Complexity = complexity()
	srv := handler.New(generated.NewExecutableSchema(cfg))

	srv.AddTransport(transport.Websocket{
		Implementation: transport.CoderWebsocketImplementation{AcceptOptions: coderws.AcceptOptions{
			OriginPatterns: opts.OriginPatterns,
		}},
		InitFunc:              wsAuth(r.svc.Tokens),
		InitTimeout:           10 * time.Second,
		KeepAlivePingInterval: 15 * time.Second,
	})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.AddTransport(transport.MultipartForm{MaxUploadSize: opts.MaxUploadSize, MaxMemory: 32 << 20})

	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(extension.Introspection{})
	srv.Use(introspectionForStaff{})
	srv.Use(depthLimit{max: opts.MaxDepth})
	srv.Use(extension.FixedComplexityLimit(opts.MaxComplexity))
	srv.Use(&subscriptionLimit{max: int32(opts.MaxSubscriptionsPerConnection)})
	for _, ext := range opts.Extensions {
		srv.Use(ext)
	}
	srv.AroundOperations(withLoaders(r))
	srv.AroundFields(classifyErrors)
	srv.SetErrorPresenter(presentError(opts.Logger))
	srv.SetRecoverFunc(recoverPanic(opts.Logger))

	return httpAuth(r.svc.Tokens, opts.Logger, httpSpecStatus(srv))
}

// httpAuth authenticates the bearer token of a plain HTTP request. WebSocket upgrades pass:
// they authenticate in connection_init (or with the same header on the upgrade request).
func httpAuth(tokens Tokens, log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		bearer := req.Header.Get("Authorization")
		if bearer != "" {
			v, err := tokens.Authenticate(req.Context(), bearer)
			if _, ok := apperr.As(err); err != nil && !ok {
				log.ErrorContext(req.Context(), "authenticating a bearer token", "request_id", requestid.From(req.Context()), "err", err)
				writeUnavailable(w)
				return
			}
			if err != nil {
				writeUnauthenticated(w, err)
				return
			}
			req = req.WithContext(viewer.With(req.Context(), v))
		} else if !isWebSocketUpgrade(req) && req.Method != http.MethodOptions {
			writeUnauthenticated(w, errUnauthenticated)
			return
		}
		next.ServeHTTP(w, req)
	})
}

func isWebSocketUpgrade(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// writeUnavailable: the token could not be checked (database down); the caller may retry.
func writeUnavailable(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "5")
	WriteHTTPError(w, http.StatusServiceUnavailable, &apperr.Error{Code: apperr.Internal,
		Message: "the bearer token could not be checked right now; retry in a few seconds"})
}

func writeUnauthenticated(w http.ResponseWriter, err error) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="vermerk"`)
	e := errUnauthenticated
	if ce, ok := apperr.As(err); ok {
		e = &apperr.Error{Code: apperr.Unauthenticated, Message: ce.Message}
	}
	WriteHTTPError(w, http.StatusUnauthorized, e)
}

func wsAuth(tokens Tokens) transport.WebsocketInitFunc {
	return func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		ctx = withConnState(ctx)
		if viewer.From(ctx) != nil {
			return ctx, &p, nil // authenticated on the upgrade request
		}
		bearer := p.Authorization()
		if bearer == "" {
			bearer = p.GetString("Authorization")
		}
		if bearer == "" {
			return refuseWebSocket(ctx, `connection_init needs {"authorization": "Bearer <token>"}`)
		}
		v, err := tokens.Authenticate(ctx, bearer)
		if err != nil {
			msg := "bearer token refused"
			if e, ok := apperr.As(err); ok {
				msg = e.Message
			}
			return refuseWebSocket(ctx, msg)
		}
		return viewer.With(ctx, v), &p, nil
	}
}

// refuseWebSocket closes the connection with 4403 (graphql-transport-ws: Forbidden) and the
// reason in the close frame, where clients of that protocol look for it.
func refuseWebSocket(ctx context.Context, msg string) (context.Context, *transport.InitPayload, error) {
	const maxReason = 123 // bytes a close frame can carry
	if len(msg) > maxReason {
		cut := maxReason - len("…")
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	ctx = transport.WithWebsocketCloseCode(transport.AppendCloseReason(ctx, msg), 4403)
	return ctx, nil, errors.New(msg)
}
