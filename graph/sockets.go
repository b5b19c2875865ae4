package graph

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/vermerk/vermerk/graph/apperr"
)

// Close codes of graphql-transport-ws that Vermerk sends.
const (
	closeForbidden       = 4403 // the token was refused: revoked, expired, unknown
	closeTooManySockets  = 4429 // this token already has the most sockets allowed
	defaultSocketsPerTok = 100
	defaultSweepEvery    = 2 * time.Second
)

// Sockets keeps the open WebSockets of every token, so that the sockets of a revoked or
// expired token close within seconds (CloseToken on the TOKEN_REVOKED event every instance
// sees; Run re-checks every token with an open socket every two seconds, through the
// token cache of at most five seconds), and caps the sockets one token may hold open.
type Sockets struct {
	tokens Tokens
	max    int
	every  time.Duration
	log    *slog.Logger

	mu      sync.Mutex
	byToken map[string]map[*socket]struct{}
}

// SocketOptions tune Sockets; zero values take the defaults.
type SocketOptions struct {
	// MaxPerToken bounds the WebSockets one token may hold open on one instance; default 100.
	MaxPerToken int
	// SweepEvery is how often every open socket's token is checked again; default 2 s.
	SweepEvery time.Duration
	Logger     *slog.Logger
}

// NewSockets returns an empty registry that authenticates with tokens.
func NewSockets(tokens Tokens, opts SocketOptions) *Sockets {
	if opts.MaxPerToken <= 0 {
		opts.MaxPerToken = defaultSocketsPerTok
	}
	if opts.SweepEvery <= 0 {
		opts.SweepEvery = defaultSweepEvery
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Sockets{tokens: tokens, max: opts.MaxPerToken, every: opts.SweepEvery, log: opts.Logger,
		byToken: map[string]map[*socket]struct{}{}}
}

// socket is one authenticated WebSocket connection.
type socket struct {
	tokenID string
	bearer  string
	conn    transport.WebsocketConn // nil when not accepted through socketAccept (tests)
	cancel  context.CancelFunc
	once    sync.Once
}

// close ends the connection with 4403 and the reason in the close frame, and ends its
// operations (the transport closes the socket when the connection's context ends).
func (s *socket) close(reason string) {
	s.once.Do(func() {
		if s.conn != nil {
			_ = s.conn.WriteClose(closeForbidden, clipCloseReason(reason))
		}
		s.cancel()
	})
}

func clipCloseReason(msg string) string {
	const maxReason = 123 // bytes a close frame can carry
	if len(msg) <= maxReason {
		return msg
	}
	cut := maxReason - len("…")
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + "…"
}

// add registers s unless its token already holds the most sockets allowed.
func (r *Sockets) add(s *socket) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	set := r.byToken[s.tokenID]
	if len(set) >= r.max {
		return false
	}
	if set == nil {
		set = map[*socket]struct{}{}
		r.byToken[s.tokenID] = set
	}
	set[s] = struct{}{}
	return true
}

func (r *Sockets) remove(s *socket) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if set := r.byToken[s.tokenID]; set != nil {
		delete(set, s)
		if len(set) == 0 {
			delete(r.byToken, s.tokenID)
		}
	}
}

// Open is the number of open authenticated sockets of a token on this instance.
func (r *Sockets) Open(tokenID string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.byToken[tokenID])
}

// CloseToken closes every socket of the token on this instance.
func (r *Sockets) CloseToken(tokenID, reason string) {
	r.mu.Lock()
	var socks []*socket
	for s := range r.byToken[tokenID] {
		socks = append(socks, s)
	}
	r.mu.Unlock()
	for _, s := range socks {
		s.close(reason)
	}
}

// Run checks the token of every open socket every SweepEvery until ctx ends, and closes the
// sockets of a token that is now refused (expired, or revoked where the event was missed).
func (r *Sockets) Run(ctx context.Context) {
	t := time.NewTicker(r.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.sweep(ctx)
		}
	}
}

func (r *Sockets) sweep(ctx context.Context) {
	r.mu.Lock()
	bearers := make(map[string]string, len(r.byToken))
	for id, set := range r.byToken {
		for s := range set {
			bearers[id] = s.bearer
			break
		}
	}
	r.mu.Unlock()
	for id, bearer := range bearers {
		if err := r.check(ctx, bearer); err != nil {
			r.CloseToken(id, err.Error())
		}
	}
}

// check authenticates bearer again (cached for at most five seconds); only a refusal is an
// error here: a database that cannot be asked right now closes no socket.
func (r *Sockets) check(ctx context.Context, bearer string) *apperr.Error {
	_, err := r.tokens.Authenticate(ctx, bearer)
	if err == nil {
		return nil
	}
	if e, ok := apperr.As(err); ok {
		return e
	}
	r.log.WarnContext(ctx, "checking the token of open WebSockets", "err", err)
	return nil
}

type socketKey struct{}

func socketFrom(ctx context.Context) *socket {
	s, _ := ctx.Value(socketKey{}).(*socket)
	return s
}

// upgradeState carries the bearer of the upgrade request and the accepted connection from
// the HTTP handler to connection_init.
type upgradeState struct {
	bearer string
	conn   transport.WebsocketConn
}

type upgradeKey struct{}

// socketAccept remembers the accepted connection, so a revoked token's socket can be closed
// with a close code and reason of its own.
type socketAccept struct {
	transport.WebsocketImplementation
}

func (a socketAccept) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	conn, err := a.WebsocketImplementation.Accept(w, r, opts)
	if st, ok := r.Context().Value(upgradeKey{}).(*upgradeState); ok && err == nil {
		st.conn = conn
	}
	return conn, err
}

// register records an authenticated socket; the returned context ends when the socket is
// closed for its token. ok is false (and ctx returned as it came) when the token holds the
// most sockets allowed.
func (r *Sockets) register(ctx context.Context, tokenID, bearer string) (context.Context, bool) {
	s := &socket{tokenID: tokenID, bearer: bearer}
	if st, ok := ctx.Value(upgradeKey{}).(*upgradeState); ok {
		s.conn = st.conn
	}
	sctx, cancel := context.WithCancel(ctx)
	s.cancel = cancel
	if !r.add(s) {
		cancel()
		return ctx, false
	}
	context.AfterFunc(sctx, func() { r.remove(s) })
	return context.WithValue(sctx, socketKey{}, s), true
}

func (r *Sockets) tooMany() string {
	return fmt.Sprintf("this token already has %d open WebSockets, the limit (VERMERK_WS_PER_TOKEN); close one or use one socket for several subscriptions", r.max)
}

// socketRecheck authenticates a WebSocket's token again before each operation on it, through
// the same cache as HTTP requests; a refused token closes the socket.
type socketRecheck struct{ sockets *Sockets }

// refusal checks the token of socket s again; a refused token closes s and is the answer.
func (x socketRecheck) refusal(ctx context.Context, s *socket) *graphql.Response {
	if e := x.sockets.check(ctx, s.bearer); e != nil {
		s.close(e.Message)
		return &graphql.Response{Errors: gqlerror.List{{Message: e.Message,
			Extensions: map[string]any{"code": string(apperr.Unauthenticated)}}}}
	}
	return nil
}
