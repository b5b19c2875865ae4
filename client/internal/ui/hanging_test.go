package ui

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
)

// A server that takes the connection and never answers (stuck, or overloaded) is not "not
// reachable": the window at start, a save in the form and the live feed's status line each
// say within the timeout that the server at that address does not answer; the save keeps
// what was typed and does not claim it is lost.
func TestAServerThatNeverAnswersIsSaidToNotAnswer(t *testing.T) {
	oldRequest, oldOpen := api.RequestTimeout, api.OpenTimeout
	api.RequestTimeout, api.OpenTimeout = time.Second, time.Second
	t.Cleanup(func() { api.RequestTimeout, api.OpenTimeout = oldRequest, oldOpen })
	url := hangingServer(t)
	noAnswer := map[string]string{
		"de": "Der Server unter " + url + " antwortet nicht: Er hat die Verbindung angenommen, aber in der vorgesehenen Zeit keine Antwort geschickt.",
		"en": "The server at " + url + " is not answering: it accepted the connection but sent no answer in the time allowed.",
	}

	for lang, want := range noAnswer {
		t.Run("the window at start, "+lang, func(t *testing.T) {
			s := openShell(t, url, "a-token-of-the-admin", lang)
			eventuallyE2E(t, "the failed connection", func() bool { return s.Offline != nil && !s.Offline.Retry.Disabled() })
			if !strings.HasPrefix(s.Offline.Text.Text, want) {
				t.Errorf("the window says %q, want it to start %q", s.Offline.Text.Text, want)
			}
			// Go's words for the client's timeout vary with where it struck.
			if d := s.Offline.Detail.Text; !strings.Contains(d, "Timeout") && !strings.Contains(d, "deadline exceeded") {
				t.Errorf("its details say %q, want the client's timeout", d)
			}
		})
	}

	c, err := api.New(url, "a-token-of-the-staff")
	if err != nil {
		t.Fatal(err)
	}
	test.NewTempApp(t)
	loc := SetLanguage("de")
	w := test.NewTempWindow(t, widget.NewLabel(""))
	w.Resize(fyne.NewSize(1000, 760))
	f := NewFormScreen(c, loc, w, app.ContactForm{})
	w.SetContent(f.Object())
	t.Cleanup(f.Close)
	test.Type(f.FamilyName, "Mustermann")
	test.Type(f.Emails, "erika@example.test")
	start := time.Now()
	test.Tap(f.Save)
	eventuallyE2E(t, "the failed save", func() bool { return f.Message.Text != "" && !f.Save.Disabled() })
	took := time.Since(start)
	if msg := f.Message.Text; !strings.HasPrefix(msg, "Ob gespeichert wurde, ist unklar: Die Anfrage war abgeschickt, aber es kam keine Antwort. "+noAnswer["de"]) {
		t.Errorf("a save the server never answers says (after %s) %q", took.Round(time.Millisecond), msg)
	}
	if m := f.Model(); m.FamilyName != "Mustermann" || m.Emails != "erika@example.test" {
		t.Errorf("the form after the failed save: %+v", m)
	}

	s := NewAdminScreen(c, loc, w, fyne.CurrentApp().Preferences(), url)
	w.SetContent(s.Object())
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	go s.Run(ctx)
	eventuallyE2E(t, "the feed's status line", func() bool { return strings.HasPrefix(s.FeedState.Text, "Getrennt:") })
	if want := "Getrennt: " + noAnswer["de"]; !strings.HasPrefix(s.FeedState.Text, want) {
		t.Errorf("the feed's status line says %q, want it to start %q", s.FeedState.Text, want)
	}
}

// hangingServer accepts connections, reads what comes and never answers; it returns its URL.
func hangingServer(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
			go io.Copy(io.Discard, conn)
		}
	}()
	return "http://" + l.Addr().String()
}
