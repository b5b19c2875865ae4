package graph

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

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
	// UploadDir is where uploaded files are spooled while their operation runs (inside
	// VERMERK_DATA_DIR); default the system's temporary directory.
	UploadDir string
	// MaxUploadsPerToken bounds the uploads one token sends at once; default 2.
	MaxUploadsPerToken int
	// MaxDepth and MaxComplexity bound one operation; defaults 12 and 20000 (a page of 1,000 recipients with names, e-mails and links costs about 6,000).
	MaxDepth      int
	MaxComplexity int
	// MaxRootFields bounds the root fields of one operation, aliases included (default 20);
	// MaxQueryBytes the query document (default 32 KiB).
	MaxRootFields, MaxQueryBytes int
	// MaxOperationsPerToken bounds the queries and mutations one token runs at once; default 64.
	MaxOperationsPerToken int
	// OriginPatterns are the browser origins allowed to open a WebSocket (host patterns as in
	// coder/websocket's AcceptOptions); requests without an Origin header are always allowed.
	OriginPatterns []string
	// MaxSubscriptionsPerConnection bounds concurrent subscriptions on one WebSocket; default 20.
	MaxSubscriptionsPerConnection int
	// Extensions are added to the executor (metrics, for instance).
	Extensions []graphql.HandlerExtension
	// Sockets keeps the open WebSockets per token (closed when the token is revoked or
	// expires, capped per token); nil makes one whose sockets are only re-checked per operation.
	Sockets *Sockets
	// InitTimeout bounds the wait for connection_init on a new WebSocket; default 10 s.
	// PingInterval is how often the server pings a graphql-transport-ws client; a client that
	// does not answer within two intervals is disconnected; default 10 s.
	InitTimeout, PingInterval time.Duration
}

func (o *Options) defaults() {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxUploadSize == 0 {
		o.MaxUploadSize = 200 << 20
	}
	if o.UploadDir == "" {
		o.UploadDir = os.TempDir()
	}
	if o.MaxDepth == 0 {
		o.MaxDepth = 12
	}
	if o.MaxComplexity == 0 {
		o.MaxComplexity = 20000
	}
	if o.MaxRootFields == 0 {
		o.MaxRootFields = 20
	}
	if o.MaxQueryBytes == 0 {
		o.MaxQueryBytes = 32 << 10
	}
	if o.MaxOperationsPerToken == 0 {
		o.MaxOperationsPerToken = 64
	}
	if o.MaxSubscriptionsPerConnection == 0 {
		o.MaxSubscriptionsPerConnection = 20
	}
	if o.InitTimeout == 0 {
		o.InitTimeout = 10 * time.Second
	}
	if o.PingInterval == 0 {
		o.PingInterval = 10 * time.Second
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
	if opts.Sockets == nil {
		opts.Sockets = NewSockets(r.svc.Tokens, SocketOptions{Logger: opts.Logger})
	}

	srv.AddTransport(transport.Websocket{
		Implementation: socketAccept{transport.CoderWebsocketImplementation{AcceptOptions: coderws.AcceptOptions{
			OriginPatterns: opts.OriginPatterns,
		}}},
		InitFunc:              wsAuth(r.svc.Tokens, opts.Sockets),
		InitTimeout:           opts.InitTimeout,
		KeepAlivePingInterval: opts.PingInterval, // graphql-ws (legacy): keep-alive messages
		PingPongInterval:      opts.PingInterval, // graphql-transport-ws: ping, and close without a pong
	})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	keyed := keyedRequests{keys: s.Keys, log: opts.Logger}
	srv.AddTransport(postTransport{keyed: keyed})
	srv.AddTransport(multipartUpload{maxSize: opts.MaxUploadSize, spoolDir: opts.UploadDir,
		slots: newUploadSlots(opts.MaxUploadsPerToken), keyed: keyed})

	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(extension.Introspection{})
	facts := newOpFactCache()
	srv.Use(introspectionForStaff{facts: facts})
	srv.Use(depthLimit{max: opts.MaxDepth, facts: facts})
	srv.Use(&complexityLimit{max: opts.MaxComplexity, maxRoot: opts.MaxRootFields, maxDocument: opts.MaxQueryBytes, facts: facts})
	srv.Use(&operationGate{ops: &operationLimit{max: opts.MaxOperationsPerToken, n: map[string]int{}},
		recheck: socketRecheck{opts.Sockets}, subs: &subscriptionLimit{max: int32(opts.MaxSubscriptionsPerConnection)},
		loaders: withLoaders(r)})
	for _, ext := range opts.Extensions {
		srv.Use(ext)
	}
	srv.Use(newRevocationMemo())
	srv.AroundFields(aroundFields)
	srv.SetErrorPresenter(presentError(opts.Logger))
	srv.SetRecoverFunc(recoverPanic(opts.Logger))

	return httpAuth(r.svc.Tokens, opts.Logger, httpSpecStatus(srv))
}

// httpAuth authenticates the bearer token of a plain HTTP request before any byte of its body
// is read. WebSocket upgrades pass: they authenticate in connection_init (or with the same
// header on the upgrade request).
func httpAuth(tokens Tokens, log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		// A refused request's body is never read: close the connection after the answer
		// (net/http would otherwise read up to 256 KiB of it to reuse the connection).
		refuse := func() {
			if req.ContentLength != 0 {
				w.Header().Set("Connection", "close")
			}
		}
		bearer := req.Header.Get("Authorization")
		if bearer != "" {
			v, err := tokens.Authenticate(req.Context(), bearer)
			if err != nil {
				refuse()
				if _, ok := apperr.As(err); !ok {
					log.ErrorContext(req.Context(), "authenticating a bearer token", "request_id", requestid.From(req.Context()), "err", err)
					writeUnavailable(w)
				} else {
					writeUnauthenticated(w, err)
				}
				return
			}
			req = req.WithContext(viewer.With(req.Context(), v))
		} else if !isWebSocketUpgrade(req) && req.Method != http.MethodOptions {
			refuse()
			writeUnauthenticated(w, errUnauthenticated)
			return
		}
		if isWebSocketUpgrade(req) {
			req = req.WithContext(context.WithValue(req.Context(), upgradeKey{}, &upgradeState{bearer: bearer}))
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
	WriteHTTPError(w, http.StatusServiceUnavailable, &apperr.Error{Code: apperr.Unavailable,
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

// wsAuth authenticates a WebSocket in connection_init (or on the upgrade request). Its
// connection_ack carries no payload: the init payload holds the bearer token.
func wsAuth(tokens Tokens, sockets *Sockets) transport.WebsocketInitFunc {
	return func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		ctx = withConnState(ctx)
		if v := viewer.From(ctx); v != nil { // authenticated on the upgrade request
			bearer := ""
			if st, ok := ctx.Value(upgradeKey{}).(*upgradeState); ok {
				bearer = st.bearer
			}
			ctx, ok := sockets.register(ctx, v.TokenID, bearer)
			if !ok {
				return refuseWebSocketCode(ctx, closeTooManySockets, sockets.tooMany())
			}
			return ctx, nil, nil
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
		ctx, ok := sockets.register(viewer.With(ctx, v), v.TokenID, bearer)
		if !ok {
			return refuseWebSocketCode(ctx, closeTooManySockets, sockets.tooMany())
		}
		return ctx, nil, nil
	}
}

// refuseWebSocket closes the connection with 4403 (graphql-transport-ws: Forbidden) and the
// reason in the close frame, where clients of that protocol look for it.
func refuseWebSocket(ctx context.Context, msg string) (context.Context, *transport.InitPayload, error) {
	return refuseWebSocketCode(ctx, closeForbidden, msg)
}

func refuseWebSocketCode(ctx context.Context, code int, msg string) (context.Context, *transport.InitPayload, error) {
	msg = clipCloseReason(msg)
	ctx = transport.WithWebsocketCloseCode(transport.AppendCloseReason(ctx, msg), code)
	return ctx, nil, errors.New(msg)
}
