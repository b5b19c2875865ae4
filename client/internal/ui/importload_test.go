package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
)

// The import screen opens while the server is away. Its chooser of distribution lists and the
// list of earlier imports each say that they could not be loaded and why (not an empty chooser
// that looks like an office without lists), with a button that loads them again once the
// server is back.
func TestTheImportersListsSayTheyFailedAndLoadAgain(t *testing.T) {
	srv, c := ownServer(t)
	ctx := context.Background()
	if _, err := c.CreatePurpose(ctx, api.PurposeInput{Key: "newsletter", Name: "Newsletter", LegalBasis: api.LegalBasisConsent}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateList(ctx, api.ListInput{Key: "kunden", Name: "Kunden-Newsletter", PurposeKey: "newsletter"}); err != nil {
		t.Fatal(err)
	}
	test.NewTempApp(t)
	loc := SetLanguage("de")
	w := test.NewTempWindow(t, widget.NewLabel(""))
	w.Resize(fyne.NewSize(1100, 760))
	imp := NewImportScreen(c, loc, w)
	w.SetContent(imp.Object())
	unreachable := "Der Server unter " + srv.URL + " ist nicht erreichbar."

	srv.Stop(t)
	imp.LoadLists()
	eventuallyE2E(t, "the chooser's failed load", func() bool { return imp.ListsMessage.Text != "" })
	if msg := imp.ListsMessage.Text; !strings.HasPrefix(msg, "Die Verteiler wurden nicht geladen") || !strings.Contains(msg, unreachable) {
		t.Errorf("the chooser's failed load says %q", msg)
	}
	plainWithDetails(t, "the chooser's failed load", imp.ListsMessage.Text, imp.ListsMessage.Object())
	if !imp.ListsRetry.Visible() {
		t.Error("no button to load the lists again")
	}

	imp.ShowJobs()
	d := imp.JobsDialog
	eventuallyE2E(t, "the failed list of earlier imports", func() bool { return strings.Contains(d.Message.Text, "nicht erreichbar") })
	if d.Retry == nil || !d.Retry.Visible() {
		t.Fatal("the list of earlier imports has no button to load it again")
	}

	srv.Start(t)
	test.Tap(d.Retry)
	eventuallyE2E(t, "the earlier imports loaded again", func() bool { return d.Message.Text == "Sie haben noch nichts importiert." })
	if d.Retry.Visible() {
		t.Error("the retry button stays after the list loaded")
	}
	d.Dialog.Hide()
	test.Tap(imp.ListsRetry)
	eventuallyE2E(t, "the lists loaded again", func() bool { return len(imp.List.Options) == 1 })
	if imp.List.Options[0] != "Kunden-Newsletter" || imp.ListsMessage.Text != "" || imp.ListsRetry.Visible() {
		t.Errorf("after loading again: options %q, message %q, retry shown %v", imp.List.Options, imp.ListsMessage.Text, imp.ListsRetry.Visible())
	}
}
