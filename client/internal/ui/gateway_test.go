package ui

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/testserver"
)

// The office's proxy answers the GraphQL request itself with 502 Bad Gateway: the server
// behind it is down or does not answer. That is an outage, not an error of the server: a save
// says the server behind the proxy does not answer (not "interner Fehler"), keeps what was
// typed, and the proxy's status is under the technical details.
func TestAProxyAnswering502IsAnOutage(t *testing.T) {
	srv := testserver.Run(t)
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	forward := httputil.NewSingleHostReverseProxy(target)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/graphql" {
			http.Error(w, "upstream connect error or disconnect/reset before headers", http.StatusBadGateway)
			return
		}
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	c, err := api.New(proxy.URL, srv.Token)
	if err != nil {
		t.Fatal(err)
	}
	f := newFormOn(t, c)

	test.Type(f.GivenName, "Erika")
	test.Type(f.FamilyName, "Mustermann")
	test.Type(f.Emails, "erika@example.test")
	test.Tap(f.Save)
	eventuallyE2E(t, "the failed save", func() bool { return f.Message.Text != "" && !f.Save.Disabled() })
	msg := f.Message.Text
	if strings.Contains(msg, "interner Fehler") || !strings.Contains(msg, "Der Server hinter "+proxy.URL+" antwortet nicht") {
		t.Errorf("a save answered 502 by the proxy says %q, want that the server behind %s does not answer", msg, proxy.URL)
	}
	if m := f.Model(); m.GivenName != "Erika" || m.FamilyName != "Mustermann" || m.Emails != "erika@example.test" {
		t.Errorf("the form after the failed save: %+v", m)
	}
	if d := foldedDetails(f.Message.Object()); len(d) != 1 || !strings.Contains(d[0], "502") {
		t.Errorf("the details under the save's message: %q, want the proxy's status 502", d)
	}
	eventuallyE2E(t, "the screening note", func() bool { return f.ScreenNote.Text != "" })
	if !strings.HasPrefix(f.ScreenNote.Text, "Sperrliste nicht geprüft: Der Server antwortet gerade nicht.") {
		t.Errorf("the screening note says %q", f.ScreenNote.Text)
	}
}
