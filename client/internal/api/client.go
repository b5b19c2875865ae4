// Package api is the client's side of the GraphQL contract: genqlient's generated operations
// (generated.go, from the *.graphql files here) behind one Client that adds the bearer token,
// sends uploads as multipart requests, and keeps subscriptions alive over graphql-transport-ws.
package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Khan/genqlient/graphql"
)

// Client talks to one Vermerk server with one token. It is safe for concurrent use.
type Client struct {
	httpURL string
	wsURL   string
	server  string // scheme and host of httpURL, as the user is told it
	token   string
	gql     graphql.Client
	// answers wakes the subscriptions waiting out a backoff when a request gets an answer.
	answers *answerSignal
	// probe asks whether the server answers without waking the subscriptions (answersHTTP).
	probe *http.Client
}

// RequestTimeout bounds a request, except the longOperations and uploads; OpenTimeout bounds
// the opening of a subscription's WebSocket (connecting and the upgrade; the server's
// connection_ack may take half as long again). Past them, a server that took the connection
// and sent nothing is one that does not answer (ErrNoAnswer). Read when a Client is made.
var (
	RequestTimeout = 20 * time.Second
	OpenTimeout    = 10 * time.Second
)

// longOperations are bounded only by the caller's context: the record of processing
// activities counts the contacts of every purpose and what is kept of them, 20.6 s at
// 11,000,000 contacts (`BENCH_SCALE=large make bench`, record_s@10M, 2026-11-30).
var longOperations = map[string]bool{"ProcessingRecord": true}

// New checks the server URL ("http://127.0.0.1:8080" or ".../graphql") and returns a client.
// It does not contact the server; Me does.
func New(serverURL, token string) (*Client, error) {
	httpURL, wsURL, err := Endpoints(serverURL)
	if err != nil {
		return nil, err
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return nil, &Error{Op: "api.New", Code: "BAD_USER_INPUT", Message: "the token is empty: paste the bearer token an admin created for you"}
	}
	origin, _ := url.Parse(httpURL)
	answers := &answerSignal{}
	auth := bearerTransport{token: token, scheme: origin.Scheme, host: origin.Host, next: http.DefaultTransport, answered: answers.fire}
	c := &Client{httpURL: httpURL, wsURL: wsURL, token: token, server: origin.Scheme + "://" + origin.Host, answers: answers}
	silent := auth
	silent.answered = nil
	c.probe = &http.Client{Transport: silent, Timeout: min(probeTimeout, RequestTimeout)}
	// Uploads of large CSV files and the long operations may take minutes; the caller's
	// context bounds them.
	unbounded := &http.Client{Transport: auth}
	c.gql = &transport{
		endpoint: httpURL,
		plain:    graphql.NewClient(httpURL, &http.Client{Transport: auth, Timeout: RequestTimeout}),
		long:     graphql.NewClient(httpURL, unbounded),
		uploads:  unbounded,
	}
	return c, nil
}

// Endpoints derives the HTTP and WebSocket URLs of /graphql from what a user typed. The token
// travels in every request, so a URL without a scheme means https://, and http:// is refused
// except on this machine (127.0.0.0/8, ::1, localhost): ErrInsecureURL.
func Endpoints(serverURL string) (httpURL, wsURL string, err error) {
	s := strings.TrimSpace(serverURL)
	if s == "" {
		return "", "", &Error{Op: "api.Endpoints", Code: "BAD_USER_INPUT", Message: "the server URL is empty, e.g. https://vermerk.example.com"}
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
		if u, err := url.Parse(s); err == nil && isLoopback(u.Hostname()) {
			s = "http://" + strings.TrimPrefix(s, "https://")
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", "", &Error{Op: "api.Endpoints", Code: "BAD_USER_INPUT", Message: fmt.Sprintf("server URL %q is not an http(s) URL, e.g. https://vermerk.example.com", serverURL)}
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return "", "", &Error{Op: "api.Endpoints", Code: CodeInsecureURL, Err: ErrInsecureURL, Message: fmt.Sprintf(
			"server URL %q uses http://, which would send the token unencrypted; use https:// (http:// only for this machine: 127.0.0.1, ::1, localhost)", serverURL)}
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/graphql"
	}
	httpURL = u.String()
	if u.Scheme == "https" {
		u.Scheme = "wss"
	} else {
		u.Scheme = "ws"
	}
	return httpURL, u.String(), nil
}

// CodeInsecureURL is the Code of an *Error for an http:// URL of another machine.
const CodeInsecureURL = "INSECURE_URL"

// ErrInsecureURL: the server URL is http:// and not on this machine.
var ErrInsecureURL = errors.New("server URL is not https")

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// URL is the HTTP endpoint this client posts to.
func (c *Client) URL() string { return c.httpURL }

// bearerTransport adds the token to requests for the server's own origin only: a redirect
// elsewhere (another host, port or scheme) is followed without it. Every answer of the server
// calls answered.
type bearerTransport struct {
	token        string
	scheme, host string
	next         http.RoundTripper
	answered     func()
}

func (t bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	// Whether the request went out decides what a broken connection means: not reached, or
	// reached with its answer lost (answerLostError). Go's transport may send it more than
	// once on connections it reused; any send that was written counts.
	var written atomic.Bool
	req = req.Clone(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				written.Store(true)
			}
		},
	}))
	if req.URL.Scheme == t.scheme && strings.EqualFold(req.URL.Host, t.host) {
		req.Header.Set("Authorization", "Bearer "+t.token)
		if key := IdempotencyKeyOf(req.Context()); key != "" {
			req.Header.Set(IdempotencyHeader, key)
		}
	} else {
		req.Header.Del("Authorization")
	}
	resp, err := t.next.RoundTrip(req)
	// A request whose context ended (a timeout, the user gave up) is not one whose answer was lost.
	if err != nil && written.Load() && req.Context().Err() == nil && !isNetTimeout(err) {
		return nil, &answerLostError{err: err}
	}
	if err == nil && serverAnswered(resp.StatusCode) && t.answered != nil {
		t.answered()
	}
	if err == nil && resp.Header.Get(ReplayedHeader) == "true" {
		noteReplayed(req.Context())
	}
	if err == nil {
		// The headers came, so the request arrived: a break while the body is read loses
		// the answer as much as one before the headers.
		resp.Body = &answerBody{ReadCloser: resp.Body, ctx: req.Context()}
	}
	return resp, err
}

// answerBody is an answer's body whose connection breaking while it is read (not its end,
// not a timeout or the request's context ending) is an answerLostError.
type answerBody struct {
	io.ReadCloser
	ctx context.Context
}

func (b *answerBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF && b.ctx.Err() == nil && !isNetTimeout(err) {
		return n, &answerLostError{err: err}
	}
	return n, err
}

// serverAnswered says an HTTP status is the server's own answer: anything but 503, which
// classify reads as ErrUnavailable (the server, or a proxy before it, cannot answer yet), and
// 502 and 504, a proxy's words for a server behind it that did not answer.
func serverAnswered(status int) bool {
	return status != http.StatusServiceUnavailable && status != http.StatusBadGateway && status != http.StatusGatewayTimeout
}

// probeTimeout bounds answersHTTP (or RequestTimeout, if shorter).
const probeTimeout = 5 * time.Second

// answersHTTP says the server answers a GraphQL request over HTTP right now (the smallest
// there is, {__typename}); the subscriptions waiting out a backoff are not woken by it.
func (c *Client) answersHTTP(ctx context.Context) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.httpURL, strings.NewReader(`{"query":"{__typename}"}`))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.probe.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode == http.StatusOK
}

// answerSignal lets the subscriptions waiting out a backoff hear that the server answers a
// request again (a screening, a save, a list), so they reconnect at once.
type answerSignal struct {
	mu sync.Mutex
	ch chan struct{}
}

// wait returns a channel closed at the next answer.
func (a *answerSignal) wait() <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ch == nil {
		a.ch = make(chan struct{})
	}
	return a.ch
}

func (a *answerSignal) fire() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ch != nil {
		close(a.ch)
		a.ch = nil
	}
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optInt(n int) *int {
	if n <= 0 {
		return nil
	}
	return &n
}
