package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"

	"github.com/Khan/genqlient/graphql"
	"github.com/gorilla/websocket"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Kinds of failure the UI tells apart; test them with errors.Is.
var (
	ErrUnreachable     = errors.New("server unreachable")
	ErrUnauthenticated = errors.New("token refused")
	ErrForbidden       = errors.New("not allowed for this token")
	ErrNotFound        = errors.New("not found")
	ErrBadInput        = errors.New("bad input")
	// ErrUnavailable: the server wrote nothing and the same request may be sent again shortly
	// (UNAVAILABLE, or HTTP 503).
	ErrUnavailable = errors.New("server unavailable")
	// ErrNoWebSocket: the server answers requests, but a subscription's WebSocket upgrade is
	// answered with an HTTP status instead (most likely a proxy that does not pass WebSockets).
	ErrNoWebSocket = errors.New("server answers, its WebSocket is refused")
	// ErrGateway: a proxy before the server answered for it with HTTP 502 or 504: it could
	// not reach the server, or got no answer from it in time. The request may have reached
	// the server.
	ErrGateway = errors.New("a proxy got no answer from the server")
	// ErrNoAnswer: the server took the connection (and the request, if any) and sent no
	// answer in the time allowed (RequestTimeout, OpenTimeout): stuck or overloaded. The
	// request may have been carried out.
	ErrNoAnswer = errors.New("server sent no answer in time")
	// ErrAnswerLost: the request was written to the server's connection, and the connection
	// broke before the whole answer came (closed, reset; also in the middle of its body). The server was reached and may have
	// carried the request out; only its answer is lost.
	ErrAnswerLost = errors.New("the connection broke after the request was sent, before an answer came")
)

// Error is what every API call returns on failure: the operation, the server's error code
// (extensions.code; or, with the Server asked, UNREACHABLE when no connection could be made
// or it broke before the request was sent, ANSWER_LOST when it broke after, NO_ANSWER when
// no answer came in time, GATEWAY when a proxy said so) and the
// server's message (or, UNREACHABLE, the network's: for the log, not for the user). On
// BAD_USER_INPUT, Reason and Field are the first error's extensions.reason and .field, and
// Problems lists every error of the answer, so the client words them in its own language.
type Error struct {
	Op       string
	Code     string
	Message  string
	Reason   string
	Field    string
	Problems []Problem
	// Server is the address asked (scheme and host, "http://127.0.0.1:8080") when it did not
	// answer (UNREACHABLE), or when a proxy there answered that the server did not (GATEWAY).
	Server string
	Err    error
}

// Problem is one input error of an answer: a reason code, the input path it concerns, and
// the server's English message (for logs; the UI words the reason itself).
type Problem struct {
	Reason  string
	Field   string
	Message string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%s: %s", e.Op, e.Code)
	}
	return fmt.Sprintf("%s: %s (%s)", e.Op, e.Message, e.Code)
}

func (e *Error) Unwrap() error { return e.Err }

// HasReason says whether err is the server's answer with reason (extensions.reason of its
// first BAD_USER_INPUT error), for the answers a screen handles as news, not as a failure.
func HasReason(err error, reason string) bool {
	var e *Error
	return errors.As(err, &e) && e.Reason == reason
}

func (e *Error) Is(target error) bool {
	switch target {
	case ErrUnreachable:
		return e.Code == "UNREACHABLE"
	case ErrUnauthenticated:
		return e.Code == "UNAUTHENTICATED"
	case ErrForbidden:
		return e.Code == "FORBIDDEN"
	case ErrNotFound:
		return e.Code == "NOT_FOUND"
	case ErrBadInput:
		return e.Code == "BAD_USER_INPUT" || e.Code == "GRAPHQL_VALIDATION_FAILED"
	case ErrUnavailable:
		return e.Code == "UNAVAILABLE"
	case ErrNoWebSocket:
		return e.Code == "NO_WEBSOCKET"
	case ErrGateway:
		return e.Code == "GATEWAY"
	case ErrNoAnswer:
		return e.Code == "NO_ANSWER"
	case ErrAnswerLost:
		return e.Code == "ANSWER_LOST"
	}
	return false
}

// classify is classify with the address of c's server on an UNREACHABLE, ANSWER_LOST,
// NO_ANSWER or GATEWAY error, so the user is told which server did not answer.
func (c *Client) classify(op string, err error) error {
	err = classify(op, err)
	var e *Error
	if errors.As(err, &e) && (e.Code == "UNREACHABLE" || e.Code == "ANSWER_LOST" || e.Code == "NO_ANSWER" || e.Code == "GATEWAY") {
		e.Server = c.server
	}
	return err
}

// classify turns whatever the transport returned into an *Error naming the operation.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) && !isNetTimeout(err) {
		return fmt.Errorf("%s: %w", op, err)
	}
	var already *Error
	if errors.As(err, &already) {
		if already.Op == "" {
			already.Op = op
		}
		return already
	}
	var httpErr *graphql.HTTPError
	if errors.As(err, &httpErr) {
		e := fromGraphQLErrors(op, httpErr.Response.Errors, err)
		switch {
		case httpErr.StatusCode == 401:
			e.Code = "UNAUTHENTICATED"
		case httpErr.StatusCode == 403:
			e.Code = "FORBIDDEN"
		case httpErr.StatusCode == 503:
			e.Code = "UNAVAILABLE"
		case httpErr.StatusCode == 502 || httpErr.StatusCode == 504:
			// The proxy's own page (nginx, Envoy): its first line is enough for the details.
			page, _, _ := strings.Cut(strings.TrimSpace(e.Message), "\n")
			e.Code, e.Message = "GATEWAY", fmt.Sprintf("HTTP %d %s from the proxy before the server: %.200s",
				httpErr.StatusCode, http.StatusText(httpErr.StatusCode), page)
		case e.Code == "INTERNAL" || e.Code == "":
			e.Code = fmt.Sprintf("HTTP_%d", httpErr.StatusCode)
		}
		return e
	}
	var list gqlerror.List
	if errors.As(err, &list) {
		return fromGraphQLErrors(op, list, err)
	}
	var closeErr *websocket.CloseError
	if errors.As(err, &closeErr) {
		return &Error{Op: op, Code: "UNREACHABLE", Message: "connection closed: " + closeErr.Text, Err: err}
	}
	if isNetTimeout(err) && !isDial(err) {
		return &Error{Op: op, Code: "NO_ANSWER", Message: err.Error(), Err: err}
	}
	var lost *answerLostError
	if errors.As(err, &lost) {
		return &Error{Op: op, Code: "ANSWER_LOST", Message: err.Error(), Err: err}
	}
	if isNetwork(err) {
		return &Error{Op: op, Code: "UNREACHABLE", Message: err.Error(), Err: err}
	}
	return &Error{Op: op, Code: "INTERNAL", Message: err.Error(), Err: err}
}

func fromGraphQLErrors(op string, list gqlerror.List, cause error) *Error {
	e := &Error{Op: op, Err: cause}
	if len(list) == 0 {
		return e
	}
	first := list[0]
	e.Message = first.Message
	if p := first.Path.String(); p != "" {
		e.Message = p + ": " + first.Message
	}
	if code, ok := first.Extensions["code"].(string); ok {
		e.Code = code
	}
	e.Reason, _ = first.Extensions["reason"].(string)
	e.Field, _ = first.Extensions["field"].(string)
	for _, g := range list {
		p := Problem{Message: g.Message}
		p.Reason, _ = g.Extensions["reason"].(string)
		p.Field, _ = g.Extensions["field"].(string)
		e.Problems = append(e.Problems, p)
	}
	if e.Code == "" {
		e.Code = "INTERNAL"
	}
	return e
}

func isNetwork(err error) bool {
	var urlErr *url.Error
	var opErr *net.OpError
	var dnsErr *net.DNSError
	// EOF: a connection closed without an answer (a WebSocket upgrade a proxy dropped).
	return errors.As(err, &urlErr) || errors.As(err, &opErr) || errors.As(err, &dnsErr) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, websocket.ErrBadHandshake) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || isNetTimeout(err)
}

// isDial: no connection could be made (refused, no route, unknown host, the connect timed out).
func isDial(err error) bool {
	var opErr *net.OpError
	var dnsErr *net.DNSError
	return errors.As(err, &opErr) && opErr.Op == "dial" || errors.As(err, &dnsErr) ||
		errors.Is(err, syscall.ECONNREFUSED)
}

func isNetTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Outage says the server could not be asked or could not answer right now (not running, no
// network, restarting, stuck or too slow, a proxy before it got no answer): nothing is wrong
// with the request, and the same request may be sent again once the server is back. The one
// rule of it, for the app's screens and for a subscription waiting out its backoff.
func Outage(err error) bool {
	return errors.Is(err, ErrUnreachable) || errors.Is(err, ErrUnavailable) || errors.Is(err, ErrGateway) ||
		errors.Is(err, ErrNoAnswer) || errors.Is(err, ErrAnswerLost) || errors.Is(err, context.DeadlineExceeded)
}

// NeverSent says a failed request never reached the server: no connection could be made
// (refused, no route, unknown host), so the server cannot have carried it out and sending it
// again cannot write twice. A 503 (ErrUnavailable) says the same. ErrAnswerLost, any other
// UNREACHABLE error (the connection broke), ErrNoAnswer and ErrGateway came after the request
// was sent: the server may have written it and only the answer was lost. (A request the
// transport sent again by itself, whose second connection was refused, lost its first
// send's answer.)
func NeverSent(err error) bool {
	return errors.Is(err, ErrUnavailable) || isDial(err) && !errors.Is(err, ErrAnswerLost)
}

// answerLostError is what bearerTransport returns when the request was written to the
// connection (the whole of it, by any of the transport's tries) and no answer came, and what
// an answer's body returns when the connection broke while it was read (answerBody): classify
// makes it ANSWER_LOST.
type answerLostError struct{ err error }

func (e *answerLostError) Error() string { return e.err.Error() }
func (e *answerLostError) Unwrap() error { return e.err }
