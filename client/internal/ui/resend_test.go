package ui

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/testserver"
)

// A save whose answer is lost (the server wrote the contact, the connection broke before the
// answer came back) says that sending it again is safe, and sent again it is saved once: the
// form sends the same Idempotency-Key, and the server answers with the first answer.
func TestASaveSentAgainAfterItsAnswerWasLostIsSavedOnce(t *testing.T) {
	srv := testserver.Run(t)
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	forward := httputil.NewSingleHostReverseProxy(target)
	var dropped atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/graphql" {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if bytes.Contains(body, []byte("createContact")) && dropped.CompareAndSwap(0, 1) {
				// The server gets the request and answers; the answer never reaches the app.
				rec := httptest.NewRecorder()
				forward.ServeHTTP(rec, r)
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					conn.Close()
				}
				return
			}
		}
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	c, err := api.New(proxy.URL, srv.Token)
	if err != nil {
		t.Fatal(err)
	}
	f := newFormOn(t, c)
	var saved atomic.Int32
	f.OnSaved = func(api.ContactDetail) { saved.Add(1) }

	test.Type(f.GivenName, "Erika")
	test.Type(f.FamilyName, "Mustermann")
	test.Type(f.Emails, "erika.resend@example.test")
	test.Tap(f.Save)
	eventuallyE2E(t, "the save whose answer was lost", func() bool { return f.Message.Text != "" && !f.Save.Disabled() })
	if msg := f.Message.Text; !strings.Contains(msg, "Senden Sie es einfach erneut") {
		t.Errorf("a save whose answer was lost says %q, want that sending it again is safe", msg)
	}
	test.Tap(f.Save)
	eventuallyE2E(t, "the save sent again", func() bool { return saved.Load() == 1 })

	page, err := c.SearchContacts(context.Background(), "erika.resend@example.test", 10, "")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(page.Edges); n != 1 {
		t.Fatalf("records of her after the save was sent again: %d, want 1", n)
	}
}
