package api

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/Khan/genqlient/graphql"
	"github.com/gorilla/websocket"
)

// LinkState is what a subscription reports about its connection: Connected, or the error
// that broke it and when the next attempt comes, or Reconnecting: the server answered
// another request of the client, so the subscription stopped waiting and connects again.
type LinkState struct {
	Connected    bool
	Reconnecting bool
	Err          error
	RetryIn      time.Duration
}

// Backoff bounds the pause between reconnect attempts (doubling, with ±20 % jitter).
// WakeSpacing is the least time from a failed attempt to the next that an answer of the
// server asked for: with a server that answers while the WebSocket fails, every screening and
// save would otherwise be followed by an attempt.
var (
	BackoffMin  = 500 * time.Millisecond
	BackoffMax  = 30 * time.Second
	WakeSpacing = 5 * time.Second
)

// WatchRevocations delivers revocations and erasures until ctx ends, reconnecting by itself.
// After a reconnect it resumes from the last cursor it delivered (or after, at first); when
// the server refuses that cursor (expired, or from another server), it starts from now.
func (c *Client) WatchRevocations(ctx context.Context, after string, onEvent func(RevocationFields), onState func(LinkState)) {
	cursor := after
	watch(ctx, c, "revocations", func(ws graphql.WebSocketClient) (chan RevocationsWsResponse, error) {
		ch, _, err := Revocations(ctx, ws, optString(cursor))
		return ch, err
	}, func(m RevocationsWsResponse) error {
		if len(m.Errors) > 0 {
			if e := fromGraphQLErrors("revocations", m.Errors, m.Errors); errors.Is(e, ErrBadInput) {
				// An expired or foreign cursor: the next attempt starts from now; the error
				// reaches onState so the caller can forget the cursor it stored.
				cursor = ""
			}
			return m.Errors
		}
		if m.Data != nil {
			cursor = m.Data.Revocations.Cursor
			onEvent(m.Data.Revocations)
		}
		return nil
	}, onState)
}

// WatchBlacklist delivers every change of the blacklist until ctx ends.
func (c *Client) WatchBlacklist(ctx context.Context, onEvent func(BlacklistEntryFields), onState func(LinkState)) {
	watch(ctx, c, "blacklistChanged", func(ws graphql.WebSocketClient) (chan BlacklistChangedWsResponse, error) {
		ch, _, err := BlacklistChanged(ctx, ws)
		return ch, err
	}, func(m BlacklistChangedWsResponse) error {
		if len(m.Errors) > 0 {
			return m.Errors
		}
		if m.Data != nil {
			onEvent(m.Data.BlacklistChanged)
		}
		return nil
	}, onState)
}

// WatchImport delivers the progress of one import job until it is DONE or FAILED or ctx ends.
func (c *Client) WatchImport(ctx context.Context, jobID string, onEvent func(ImportJobFields), onState func(LinkState)) {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	watch(ctx, c, "importProgress", func(ws graphql.WebSocketClient) (chan ImportProgressWsResponse, error) {
		ch, _, err := ImportProgress(ctx, ws, jobID)
		return ch, err
	}, func(m ImportProgressWsResponse) error {
		if len(m.Errors) > 0 {
			return m.Errors
		}
		if m.Data != nil {
			job := m.Data.ImportProgress
			onEvent(job)
			if job.Status == ImportStatusDone || job.Status == ImportStatusFailed {
				stop()
			}
		}
		return nil
	}, onState)
}

// watch keeps one subscription alive on its own WebSocket connection: dial, connection_init
// with the token, subscribe, deliver; on any failure report it, back off, and start again.
func watch[M any](ctx context.Context, c *Client, op string,
	open func(graphql.WebSocketClient) (chan M, error),
	deliver func(M) error,
	onState func(LinkState),
) {
	if onState == nil {
		onState = func(LinkState) {}
	}
	failures := 0
	for ctx.Err() == nil {
		started := time.Now()
		healthy, err := runOnce(ctx, c, op, open, deliver, onState)
		if ctx.Err() != nil {
			return
		}
		if healthy {
			failures = 0
		}
		err = c.noWebSocket(ctx, op, err)
		wait := backoff(failures)
		if errors.Is(err, ErrUnauthenticated) || errors.Is(err, ErrForbidden) {
			wait = BackoffMax // retrying sooner would not change the server's mind
		}
		failures++
		var answered <-chan struct{} // nil: only an outage ends early when the server answers
		if Outage(err) {
			answered = c.answers.wait()
		}
		onState(LinkState{Err: err, RetryIn: wait})
		// A wake-up comes WakeSpacing after an attempt the server did not accept, at once
		// after a connection it did accept broke.
		notBefore := started.Add(WakeSpacing)
		if healthy {
			notBefore = time.Time{}
		}
		retry := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			retry.Stop()
			return
		case <-retry.C:
		case <-answered:
			if !wakeAfter(ctx, notBefore, retry) {
				return
			}
			// Asked for by the server's answer, the attempt does not lengthen the backoff if it
			// fails (an answer may come on a kept-alive connection while the server stops).
			failures--
			onState(LinkState{Reconnecting: true})
		}
		retry.Stop()
	}
}

// wakeAfter waits until not before, or until retry fires if sooner; false when ctx ended.
func wakeAfter(ctx context.Context, notBefore time.Time, retry *time.Timer) bool {
	early := time.Until(notBefore)
	if early <= 0 {
		return true
	}
	spacing := time.NewTimer(early)
	defer spacing.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-spacing.C:
	case <-retry.C:
	}
	return true
}

// noWebSocket tells a WebSocket that cannot be opened (the upgrade answered with an HTTP
// status, or the connection dropped during it) from a server away: when the server answers a
// request over HTTP at that moment, err becomes ErrNoWebSocket, which waits out the growing
// backoff (answers of the server cannot bring the WebSocket back); otherwise err stays.
func (c *Client) noWebSocket(ctx context.Context, op string, err error) error {
	var failed *notOpened
	if !Outage(err) || !errors.As(err, &failed) || !c.answersHTTP(ctx) {
		return err
	}
	return &Error{Op: op, Code: "NO_WEBSOCKET", Server: c.server,
		Message: "the server answers HTTP requests, but the WebSocket " + c.wsURL + " cannot be opened: " + failed.Error(), Err: err}
}

// notOpened is a failure to open the WebSocket (dial, upgrade, connection_init).
type notOpened struct{ err error }

func (e *notOpened) Error() string { return e.err.Error() }

func (e *notOpened) Unwrap() error { return e.err }

// upgradeRefused is the answer to a WebSocket upgrade that is not the switch to WebSocket.
type upgradeRefused struct{ status string }

func (e *upgradeRefused) Error() string {
	return "websocket: bad handshake: the upgrade was answered with HTTP " + e.status
}

func (e *upgradeRefused) Unwrap() error { return websocket.ErrBadHandshake }

// runOnce runs one connection until it fails; healthy says the server accepted it (the
// token and the subscription: it did unless it answered the subscription with an error
// before any event), so the backoff may start small again.
func runOnce[M any](ctx context.Context, c *Client, op string,
	open func(graphql.WebSocketClient) (chan M, error),
	deliver func(M) error,
	onState func(LinkState),
) (healthy bool, err error) {
	d := &wsDialer{}
	ws := graphql.NewClientUsingWebSocket(c.wsURL, d,
		graphql.WithConnectionParams(map[string]any{"authorization": "Bearer " + c.token}))
	errCh, err := ws.Start(ctx)
	if err != nil {
		d.close()
		return false, c.classify(op, &notOpened{err})
	}
	var ch chan M
	defer func() {
		d.close()
		// genqlient's reader goroutine blocks until someone takes its last error or message.
		go func() {
			timeout := time.After(2 * time.Second)
			for {
				select {
				case <-errCh:
					return
				case _, ok := <-ch:
					if !ok {
						return
					}
				case <-timeout:
					return
				}
			}
		}()
	}()
	ch, err = open(ws)
	if err != nil {
		return false, c.classify(op, err)
	}
	onState(LinkState{Connected: true})
	for {
		select {
		case <-ctx.Done():
			return true, ctx.Err()
		case err := <-errCh:
			return true, c.classify(op, err)
		case m, ok := <-ch:
			if !ok {
				return true, c.classify(op, errors.New("the server ended the subscription"))
			}
			if err := deliver(m); err != nil {
				return healthy, c.classify(op, err)
			}
			healthy = true
		}
	}
}

func backoff(failures int) time.Duration {
	d := BackoffMin << min(failures, 16)
	if d > BackoffMax || d <= 0 {
		d = BackoffMax
	}
	jitter := 0.8 + 0.4*rand.Float64()
	return time.Duration(float64(d) * jitter)
}

// wsDialer dials with gorilla/websocket and keeps the connection, so watch can close it
// itself: genqlient's Close panics when the server already completed a subscription.
type wsDialer struct {
	mu   sync.Mutex
	conn *wsConn
}

func (d *wsDialer) DialContext(ctx context.Context, url string, header http.Header) (graphql.WSConn, error) {
	dialer := websocket.Dialer{HandshakeTimeout: OpenTimeout, Proxy: http.ProxyFromEnvironment}
	conn, resp, err := dialer.DialContext(ctx, url, header)
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusUnauthorized {
			return nil, &Error{Code: "UNAUTHENTICATED", Message: "the server refused the token", Err: err}
		}
		if resp != nil {
			return nil, &upgradeRefused{status: resp.Status}
		}
		return nil, err
	}
	// genqlient waits for connection_ack without a deadline of its own.
	_ = conn.SetReadDeadline(time.Now().Add(OpenTimeout * 3 / 2))
	c := &wsConn{Conn: conn}
	d.mu.Lock()
	d.conn = c
	d.mu.Unlock()
	return c, nil
}

func (d *wsDialer) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conn != nil {
		_ = d.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		_ = d.conn.Close()
	}
}

// wsConn answers the protocol's ping itself and turns a close before connection_ack into a
// refused token: genqlient would otherwise stop at a message without a subscription id.
type wsConn struct {
	*websocket.Conn
	acked   bool
	writeMu sync.Mutex // gorilla allows one writer at a time; genqlient and our pong are two
}

func (c *wsConn) WriteMessage(messageType int, data []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	return c.Conn.WriteMessage(messageType, data)
}

func (c *wsConn) ReadMessage() (int, []byte, error) {
	for {
		typ, data, err := c.Conn.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if !c.acked && errors.As(err, &ce) {
				return typ, data, &Error{Code: "UNAUTHENTICATED", Message: "the server closed the connection during connection_init: token refused (" + ce.Text + ")", Err: err}
			}
			return typ, data, err
		}
		var msg struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(data, &msg)
		switch msg.Type {
		case "ping":
			_ = c.WriteMessage(websocket.TextMessage, []byte(`{"type":"pong"}`))
			continue
		case "pong", "connection_error":
			continue
		case "connection_ack":
			c.acked = true
			_ = c.SetReadDeadline(time.Time{})
		}
		return typ, data, nil
	}
}
