package ui

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/testserver"
)

// The office's proxy passes the server's HTTP requests but not its WebSockets: it answers
// every upgrade with 502, or drops the connection. The app keeps working over HTTP, screening
// and saving; the live feed does not try to connect after every one of those answers, and its
// status line says that the server answers while the live connection is refused, most likely
// by a proxy.
func TestAProxyWithoutWebSocketsIsNotAskedOnEveryRequest(t *testing.T) {
	old := api.BackoffMin
	api.BackoffMin = 10 * time.Second // within the test, only answers could bring attempts
	t.Cleanup(func() { api.BackoffMin = old })
	srv := testserver.Run(t)
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	forward := httputil.NewSingleHostReverseProxy(target)
	badGateway := func(w http.ResponseWriter) { http.Error(w, "WebSocket not supported here", http.StatusBadGateway) }
	noWebSocket := "Keine Live-Verbindung: Der Server unter %s antwortet, aber die Live-Verbindung zu ihm (WebSocket) wird abgewiesen. Wahrscheinlich leitet ein Proxy dazwischen keine WebSockets weiter"
	for _, tc := range []struct {
		name, detail, says string
		refuse             func(http.ResponseWriter)
		refuseProbe        bool // the app's {__typename} gets a 502 too: the app cannot tell it from an outage
	}{
		{name: "answers the upgrade with 502", detail: "502", says: noWebSocket, refuse: badGateway},
		{name: "drops the connection of the upgrade", detail: "EOF", says: noWebSocket, refuse: func(w http.ResponseWriter) {
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
			}
		}},
		{name: "and the smallest request", detail: "bad handshake", says: "Getrennt: Der Server unter %s ist nicht erreichbar.",
			refuse: badGateway, refuseProbe: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var upgrades atomic.Int32
			proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
					upgrades.Add(1)
					tc.refuse(w)
					return
				}
				if tc.refuseProbe {
					body, _ := io.ReadAll(r.Body)
					if strings.Contains(string(body), `"{__typename}"`) {
						badGateway(w)
						return
					}
					r.Body = io.NopCloser(bytes.NewReader(body))
				}
				forward.ServeHTTP(w, r)
			}))
			t.Cleanup(proxy.Close)
			c, err := api.New(proxy.URL, srv.Token)
			if err != nil {
				t.Fatal(err)
			}
			test.NewTempApp(t)
			loc := SetLanguage("de")
			w := test.NewTempWindow(t, widget.NewLabel(""))
			w.Resize(fyne.NewSize(1000, 760))
			s := NewAdminScreen(c, loc, w, fyne.CurrentApp().Preferences(), proxy.URL)
			w.SetContent(s.Object())
			ctx, stop := context.WithCancel(context.Background())
			t.Cleanup(stop)
			go s.Run(ctx)
			eventuallyE2E(t, "the feed's first failed attempt", func() bool { return s.FeedState.Text != "" && upgrades.Load() > 0 })

			const requests = 30
			first := upgrades.Load()
			for range requests {
				if _, err := c.Me(ctx); err != nil {
					t.Fatal(err)
				}
				time.Sleep(100 * time.Millisecond)
			}
			time.Sleep(500 * time.Millisecond)
			pump()
			// The requests take 3.5 s, less than WakeSpacing (5 s): one attempt more is slack.
			if got := upgrades.Load() - first; got > 1 {
				t.Errorf("%d answered requests in %d s brought %d more WebSocket attempts, want at most 1", requests, requests/10, got)
			}
			want := fmt.Sprintf(tc.says, proxy.URL)
			if !strings.HasPrefix(s.FeedState.Text, want) {
				t.Errorf("the feed's status line says %q, want it to start %q", s.FeedState.Text, want)
			}
			for _, d := range foldedDetails(s.FeedState.Object()) {
				if strings.Contains(d, tc.detail) {
					return
				}
			}
			t.Errorf("no %q under the status line's details: %q", tc.detail, foldedDetails(s.FeedState.Object()))
		})
	}
}
