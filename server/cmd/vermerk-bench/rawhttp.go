package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// rawClient posts GraphQL requests over keep-alive HTTP/1.1 connections with as little work
// as it can: the load generator shares the two cores with the server and PostgreSQL, and
// every microsecond it spends is one the server does not get. net/http's client costs about
// 50 µs a request here; this one about a third of that. It speaks only what the bench
// needs: POST with a Content-Length, answers with a Content-Length or chunked.
type rawClient struct {
	addr, host string
	free       chan *rawConn
}

type rawConn struct {
	c   net.Conn
	r   *bufio.Reader
	w   *bufio.Writer
	buf []byte
}

func newRawClient(serverURL string, conns int) (*rawClient, error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return nil, err
	}
	return &rawClient{addr: u.Host, host: u.Host, free: make(chan *rawConn, conns)}, nil
}

func (c *rawClient) conn() (*rawConn, error) {
	select {
	case rc := <-c.free:
		return rc, nil
	default:
	}
	nc, err := net.Dial("tcp", c.addr)
	if err != nil {
		return nil, err
	}
	return &rawConn{c: nc, r: bufio.NewReaderSize(nc, 16<<10), w: bufio.NewWriterSize(nc, 4<<10)}, nil
}

func (c *rawClient) put(rc *rawConn) {
	select {
	case c.free <- rc:
	default:
		rc.c.Close()
	}
}

// gqlData posts body (a JSON GraphQL request) with c and token (none if empty) and decodes the
// answer's data as D in one pass, checking errors and status as decodeGQL does.
func gqlData[D any](ctx context.Context, c *rawClient, token string, body []byte) (D, error) {
	var r struct {
		Data   D          `json:"data"`
		Errors []gqlError `json:"errors"`
	}
	rc, err := c.conn()
	if err != nil {
		return r.Data, err
	}
	status, data, keep, err := rc.post(ctx, c.host, token, body)
	if err != nil {
		rc.c.Close()
		return r.Data, err
	}
	err = json.Unmarshal(data, &r) // data is the connection's buffer: decode before it is reused
	if keep {
		c.put(rc)
	} else {
		rc.c.Close()
	}
	switch {
	case err != nil:
		return r.Data, fmt.Errorf("HTTP %d: %.200s", status, data)
	case len(r.Errors) > 0:
		return r.Data, fmt.Errorf("%s (%v)", r.Errors[0].Message, r.Errors[0].Extensions["code"])
	case status != http.StatusOK:
		return r.Data, fmt.Errorf("HTTP %d", status)
	}
	return r.Data, nil
}

// gql posts body (a JSON GraphQL request) with token (none if empty) and decodes data into out, like gql.
func (c *rawClient) gql(ctx context.Context, token string, body []byte, out any) error {
	rc, err := c.conn()
	if err != nil {
		return err
	}
	status, data, keep, err := rc.post(ctx, c.host, token, body)
	if err != nil {
		rc.c.Close()
		return err
	}
	defer func() { // data is the connection's buffer: decode first
		if keep {
			c.put(rc)
		} else {
			rc.c.Close()
		}
	}()
	return decodeGQL(status, data, out)
}

func (rc *rawConn) post(ctx context.Context, host, token string, body []byte) (status int, data []byte, keep bool, err error) {
	if d, ok := ctx.Deadline(); ok {
		_ = rc.c.SetDeadline(d)
	} else {
		_ = rc.c.SetDeadline(time.Now().Add(time.Minute))
	}
	w := rc.w
	w.WriteString("POST /graphql HTTP/1.1\r\nHost: ")
	w.WriteString(host)
	w.WriteString("\r\nContent-Type: application/json\r\n")
	if token != "" {
		w.WriteString("Authorization: Bearer ")
		w.WriteString(token)
		w.WriteString("\r\n")
	}
	w.WriteString("Content-Length: ")
	w.WriteString(strconv.Itoa(len(body)))
	w.WriteString("\r\n\r\n")
	w.Write(body)
	if err := w.Flush(); err != nil {
		return 0, nil, false, err
	}

	line, err := rc.r.ReadSlice('\n')
	if err != nil {
		return 0, nil, false, err
	}
	// HTTP/1.1 200 OK
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, nil, false, fmt.Errorf("bad status line %q", line)
	}
	if status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return 0, nil, false, fmt.Errorf("bad status line %q", line)
	}
	length, chunked, keep := -1, false, true
	for {
		line, err := rc.r.ReadSlice('\n')
		if err != nil {
			return 0, nil, false, err
		}
		h := bytes.TrimRight(line, "\r\n")
		if len(h) == 0 {
			break
		}
		name, value, _ := bytes.Cut(h, []byte(":"))
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil {
				return 0, nil, false, fmt.Errorf("bad Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			keep = !bytes.EqualFold(value, []byte("close"))
		}
	}
	rc.buf = rc.buf[:0]
	switch {
	case chunked:
		for {
			line, err := rc.r.ReadSlice('\n')
			if err != nil {
				return 0, nil, false, err
			}
			size, err := strconv.ParseInt(strings.TrimSpace(strings.SplitN(string(line), ";", 2)[0]), 16, 32)
			if err != nil {
				return 0, nil, false, fmt.Errorf("bad chunk size %q", line)
			}
			if size == 0 {
				if _, err := rc.r.Discard(2); err != nil { // the CRLF after the last chunk (no trailers)
					return 0, nil, false, err
				}
				break
			}
			n := len(rc.buf)
			rc.buf = append(rc.buf, make([]byte, size)...)
			if _, err := io.ReadFull(rc.r, rc.buf[n:]); err != nil {
				return 0, nil, false, err
			}
			if _, err := rc.r.Discard(2); err != nil {
				return 0, nil, false, err
			}
		}
	case length >= 0:
		rc.buf = append(rc.buf, make([]byte, length)...)
		if _, err := io.ReadFull(rc.r, rc.buf); err != nil {
			return 0, nil, false, err
		}
	default:
		return 0, nil, false, errors.New("answer without Content-Length or chunked encoding")
	}
	return status, rc.buf, keep, nil
}

// idBody returns the bodies of a GraphQL request with one variable, an id: the id goes
// between the JSON around it, so a load run does not encode the query for every request
// (ids are UUIDs, which need no escaping).
func idBody(query, variable string) func(id string) []byte {
	pre, _ := json.Marshal(query)
	head := append(append([]byte(`{"query":`), pre...), `,"variables":{"`+variable+`":"`...)
	return func(id string) []byte {
		b := make([]byte, 0, len(head)+len(id)+3)
		return append(append(append(b, head...), id...), `"}}`...)
	}
}

// gqlBody is the JSON body of a GraphQL request.
func gqlBody(query string, vars map[string]any) []byte {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return body
}
