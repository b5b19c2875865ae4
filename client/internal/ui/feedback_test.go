package ui

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/testserver"
)

// The server is restarted twice while the window is open, and nothing happens on the feeds
// in between. A connection the server accepted starts the subscriptions' backoff small again,
// so the second outage waits no longer than the first; and as soon as a request of the app
// gets an answer again (here the contact list loads), the status line and the admin's live
// feed stop saying "Getrennt" and are connected again within seconds, not after the backoff.
func TestTheStatusLineComesBackWithTheServer(t *testing.T) {
	oldMin := api.BackoffMin
	api.BackoffMin = 10 * time.Second // long enough that waiting it out fails the test
	t.Cleanup(func() { api.BackoffMin = oldMin })
	srv := testserver.Run(t)
	s := openShell(t, srv.URL, srv.Token, "de")
	eventuallyE2E(t, "the window connected", func() bool {
		return s.Admin != nil && s.Link.Text == "Verbunden" && s.Admin.FeedState.Text == "Verbunden"
	})

	// The first restart: nobody asks the server anything, the subscriptions come back when
	// their backoff ends, and the connection the server accepted resets it.
	srv.Stop(t)
	eventuallyE2E(t, "the status line saying it is disconnected", func() bool { return strings.HasPrefix(s.Link.Text, "Getrennt:") })
	srv.Start(t)
	eventuallyLong(t, "the feeds back after their backoff", func() bool {
		return s.Link.Text == "Verbunden" && s.Admin.FeedState.Text == "Verbunden"
	})

	srv.Stop(t)
	eventuallyE2E(t, "the status line saying it is disconnected again", func() bool {
		return strings.HasPrefix(s.Link.Text, "Getrennt:") && strings.HasPrefix(s.Admin.FeedState.Text, "Getrennt:")
	})
	// Both subscriptions wait about BackoffMin (8-12 s), as after the first connection broke.
	for _, text := range []string{s.Link.Text, s.Admin.FeedState.Text} {
		n := -1
		if m := retryIn.FindStringSubmatch(text); m != nil {
			n, _ = strconv.Atoi(m[1])
		}
		if n < 0 || n > 12 {
			t.Errorf("second outage: %q: the backoff did not start small again", text)
		}
	}
	srv.Start(t)
	s.Contacts.Reload() // the first request after the restart: the server answers
	deadline := time.Now().Add(3 * time.Second)
	for pump(); strings.HasPrefix(s.Link.Text, "Getrennt:") || s.Admin.FeedState.Text != "Verbunden"; pump() {
		if time.Now().After(deadline) {
			t.Fatalf("3 s after the server answered again the status line says %q, the feed %q", s.Link.Text, s.Admin.FeedState.Text)
		}
		time.Sleep(20 * time.Millisecond)
	}
	eventuallyE2E(t, "the status line connected", func() bool { return s.Link.Text == "Verbunden" })
}

var retryIn = regexp.MustCompile(`neuer Versuch in (\d+) s`)
