package testserver

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"testing"
)

// HangsUp starts a server that reads each request whole, writes reply (nothing, or the start of
// an answer: a status line, headers, part of a body) and closes the connection: the request
// arrived and its answer is lost. It returns its URL.
func HangsUp(t testing.TB, reply string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				req, err := http.ReadRequest(bufio.NewReader(conn))
				if err != nil {
					return
				}
				_, _ = io.Copy(io.Discard, req.Body)
				_, _ = io.WriteString(conn, reply)
			}()
		}
	}()
	return "http://" + l.Addr().String()
}
