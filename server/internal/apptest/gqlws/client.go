// Package gqlws is a small graphql-transport-ws client for tests and vermerk-bench (test
// support; the server never imports it): it connects with the bearer token in
// connection_init, subscribes, and reads next/error/complete messages, answering the
// server's pings.
package gqlws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/coder/websocket"
)

// Message is one server message.
type Message struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// Error is one GraphQL error of a next or error message.
type Error struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

// Code is extensions.code.
func (e Error) Code() string { s, _ := e.Extensions["code"].(string); return s }

// Next is the payload of a next message.
type Next struct {
	Data   json.RawMessage `json:"data"`
	Errors []Error         `json:"errors"`
}

// Errors decodes the errors of a next or error message.
func (m Message) Errors() []Error {
	switch m.Type {
	case "next":
		var n Next
		_ = json.Unmarshal(m.Payload, &n)
		return n.Errors
	case "error":
		var errs []Error
		_ = json.Unmarshal(m.Payload, &errs)
		return errs
	}
	return nil
}

// Conn is one open, acknowledged graphql-transport-ws connection. Reads are not concurrent.
type Conn struct {
	ws *websocket.Conn
	// reading holds the result of a read that outlived its caller's context, so a timed-out
	// Read neither loses a message nor closes the connection (as coder/websocket would).
	reading chan readResult
}

type readResult struct {
	m   Message
	err error
}

// ErrRefused is returned by Dial when the server closes the connection instead of
// acknowledging connection_init; errors.As to *websocket.CloseError gives the close code.
var ErrRefused = errors.New("gqlws: connection_init refused")

// Dial connects to url (ws://…/graphql) and authenticates with token ("" sends no
// authorization). Client may be nil.
func Dial(ctx context.Context, url, token string, client *http.Client) (*Conn, error) {
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"},
		HTTPClient:   client,
	})
	if err != nil {
		return nil, fmt.Errorf("gqlws: dial %s: %w", url, err)
	}
	ws.SetReadLimit(1 << 20)
	c := &Conn{ws: ws}
	payload := map[string]any{}
	if token != "" {
		payload["authorization"] = "Bearer " + token
	}
	if err := c.send(ctx, map[string]any{"type": "connection_init", "payload": payload}); err != nil {
		ws.CloseNow()
		return nil, err
	}
	m, err := c.Read(ctx)
	if err != nil {
		ws.CloseNow()
		return nil, fmt.Errorf("%w: %w", ErrRefused, err)
	}
	if m.Type != "connection_ack" {
		ws.CloseNow()
		return nil, fmt.Errorf("%w: got %q", ErrRefused, m.Type)
	}
	return c, nil
}

// Subscribe starts operation id.
func (c *Conn) Subscribe(ctx context.Context, id, query string, vars map[string]any) error {
	return c.send(ctx, map[string]any{"id": id, "type": "subscribe",
		"payload": map[string]any{"query": query, "variables": vars}})
}

// Complete stops operation id.
func (c *Conn) Complete(ctx context.Context, id string) error {
	return c.send(ctx, map[string]any{"id": id, "type": "complete"})
}

// Read returns the next message other than ping/pong (pings are answered). When ctx ends
// first, the connection stays open and the message is returned by the next Read.
func (c *Conn) Read(ctx context.Context) (Message, error) {
	if c.reading == nil && ctx.Done() == nil {
		return c.read() // cannot time out: no goroutine needed
	}
	if c.reading == nil {
		c.reading = make(chan readResult, 1)
		go func() {
			m, err := c.read()
			c.reading <- readResult{m, err}
		}()
	}
	select {
	case r := <-c.reading:
		c.reading = nil
		return r.m, r.err
	case <-ctx.Done():
		return Message{}, ctx.Err()
	}
}

func (c *Conn) read() (Message, error) {
	ctx := context.Background() // Close and CloseNow end a pending read
	for {
		_, b, err := c.ws.Read(ctx)
		if err != nil {
			return Message{}, err
		}
		m, err := Decode(b)
		if err != nil {
			return Message{}, err
		}
		switch m.Type {
		case "ping":
			if err := c.Pong(ctx); err != nil {
				return Message{}, err
			}
		case "pong":
		default:
			return m, nil
		}
	}
}

// ReadRaw reads the next message of any type, pings included, into buf (reused, grown as
// needed) without decoding it: for readers of many sockets that recognise the messages they
// expect by their bytes (fanout). The caller answers pings with Pong; do not mix with Read.
func (c *Conn) ReadRaw(buf []byte) ([]byte, error) {
	_, r, err := c.ws.Reader(context.Background())
	if err != nil {
		return buf[:0], err
	}
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// Decode parses a message read with ReadRaw.
func Decode(b []byte) (Message, error) {
	var m Message
	if err := json.Unmarshal(b, &m); err != nil {
		return Message{}, fmt.Errorf("gqlws: bad message %q: %w", b, err)
	}
	return m, nil
}

// Pong answers a ping.
func (c *Conn) Pong(ctx context.Context) error { return c.send(ctx, map[string]any{"type": "pong"}) }

// Close closes the connection normally.
func (c *Conn) Close() error { return c.ws.Close(websocket.StatusNormalClosure, "") }

// CloseNow drops the connection.
func (c *Conn) CloseNow() error { return c.ws.CloseNow() }

func (c *Conn) send(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		return fmt.Errorf("gqlws: write: %w", err)
	}
	return nil
}
