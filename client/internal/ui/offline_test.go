package ui

import (
	"net"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
)

// A server that does not answer at start is named in the user's language, with what to do
// and a button to try again; the network's own words (dial tcp …: connection refused) are
// folded away under the details, not in the text an office worker reads.
func TestTheWindowSaysInWordsThatTheServerIsNotReachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	for lang, want := range map[string]string{
		"de": "Der Server unter http://" + addr + " ist nicht erreichbar. Bitte prüfen, ob die Adresse in den Einstellungen stimmt und der Server läuft, und dann erneut versuchen.",
		"en": "The server at http://" + addr + " cannot be reached. Check that the address in the settings is right and that the server is running, then try again.",
	} {
		t.Run(lang, func(t *testing.T) {
			s := openShell(t, "http://"+addr, "a-token-of-the-admin", lang)
			eventuallyE2E(t, "the failed connection", func() bool { return s.Offline != nil && !s.Offline.Retry.Disabled() })
			p := s.Offline
			if p.Text.Text != want {
				t.Errorf("text %q, want %q", p.Text.Text, want)
			}
			for _, shown := range []string{p.Text.Text, s.Status.Text} {
				for _, technical := range []string{"dial", "refused", "tcp", "/graphql", "Post", "UNREACHABLE"} {
					if strings.Contains(shown, technical) {
						t.Errorf("%q quotes %q", shown, technical)
					}
				}
			}
			if p.Details.Items[0].Open || !strings.Contains(p.Detail.Text, "connection refused") {
				t.Errorf("details open %v, say %q", p.Details.Items[0].Open, p.Detail.Text)
			}
			test.Tap(p.Retry)
			eventuallyE2E(t, "the second attempt", func() bool { return s.Offline == p && !p.Retry.Disabled() })
			if p.Text.Text != want {
				t.Errorf("after trying again: %q", p.Text.Text)
			}
		})
	}
}
