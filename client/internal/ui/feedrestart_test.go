package ui

import (
	"context"
	"testing"

	"fyne.io/fyne/v2"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/demo"
)

// After a restart the admin's feed shows the events it showed before, each once, and goes on
// with what happens next; it came back empty until something new happened.
func TestTheFeedIsNotEmptyAfterARestart(t *testing.T) {
	b := demo.New()
	loc, w := testWindow(t)
	prefs := fyne.CurrentApp().Preferences()
	run := func() (*AdminScreen, context.CancelFunc) {
		s := NewAdminScreen(b, loc, w, prefs, "http://demo")
		w.SetContent(s.Object())
		ctx, cancel := context.WithCancel(context.Background())
		go s.Run(ctx)
		return s, cancel
	}
	first, stop := run()
	eventually(t, "the backlog", func() bool { return first.Feed.Length() == 5 })
	stop()
	before := append([]api.RevocationFields(nil), first.feed.Events...)

	again, stop := run() // the app started again
	defer stop()
	eventually(t, "the connected feed", func() bool { return again.FeedState.Text == "Connected" })
	if again.Feed.Length() != len(before) {
		t.Fatalf("after a restart the feed shows %d events, want the %d it showed", again.Feed.Length(), len(before))
	}
	for i, e := range again.feed.Events {
		if e.Cursor != before[i].Cursor || e.Kind != before[i].Kind || !e.At.Equal(before[i].At) {
			t.Errorf("row %d after the restart: %+v, want %+v", i, e, before[i])
		}
	}
	if _, err := b.RevokeConsent(context.Background(), api.RevocationInput{ContactId: "c002", PurposeKey: "newsletter", Channel: "letter"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the new event on top", func() bool { return again.Feed.Length() == 6 })
	if got := again.feed.Events[0].ContactId; got != "c002" {
		t.Errorf("newest event of %q, want c002", got)
	}
}
