package api

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/vermerk/vermerk/client/internal/testserver"
)

// A request that could not be sent (no server listens at the address) is unreachable and
// never sent; one the server read and then closed the connection on, without an answer or in
// the middle of its answer's body, lost its answer: the server was reached and may have
// carried the request out.
func TestAnAnswerLostIsToldApartFromAServerNotReached(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := "http://" + l.Addr().String()
	l.Close()

	readsAndHangsUp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
	}))
	defer readsAndHangsUp.Close()
	headersThenHangsUp := answersPartly(t, "Content-Length: 400\r\n\r\n"+`{"data":{"createPurpose":{"id":"1",`)
	chunkThenHangsUp := answersPartly(t, "Transfer-Encoding: chunked\r\n\r\n23\r\n"+`{"data":{"createPurpose":{"id":"1",`+"\r\n")

	for _, tc := range []struct {
		name, server string
		want         error
		other        error
		neverSent    bool
	}{
		{"a closed port", closedPort, ErrUnreachable, ErrAnswerLost, true},
		{"a server that reads the request and hangs up", readsAndHangsUp.URL, ErrAnswerLost, ErrUnreachable, false},
		{"a server that hangs up in the middle of the body", headersThenHangsUp, ErrAnswerLost, ErrUnreachable, false},
		{"a server that hangs up after a chunk of the body", chunkThenHangsUp, ErrAnswerLost, ErrUnreachable, false},
	} {
		c, _ := New(tc.server, "token")
		key := "answerlost-" + tc.name
		_, err := c.CreatePurpose(WithIdempotencyKey(context.Background(), key, nil), PurposeInput{Key: "newsletter", Name: "Newsletter", LegalBasis: LegalBasisConsent})
		var e *Error
		if !errors.Is(err, tc.want) || errors.Is(err, tc.other) || !errors.As(err, &e) || e.Server != tc.server {
			t.Errorf("%s: err = %v, want %v (not %v) naming the server %s", tc.name, err, tc.want, tc.other, tc.server)
		}
		if !Outage(err) || NeverSent(err) != tc.neverSent {
			t.Errorf("%s: Outage = %v, NeverSent = %v; want an outage, never sent %v", tc.name, Outage(err), NeverSent(err), tc.neverSent)
		}
	}
}

// answersPartly is a server that reads each request, answers it with 200, a JSON content type
// and then rest (the last headers and part of a body), and closes the connection: its URL.
func answersPartly(t *testing.T, rest string) string {
	t.Helper()
	return testserver.HangsUp(t, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"+rest)
}
