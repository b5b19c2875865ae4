package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/app"
	"github.com/vermerk/vermerk/client/internal/testserver"
)

// A contact saved again after the answer to its first save was lost is answered with the first
// answer (the server saved it once): the detail it opens says that the first send saved it, as
// the import says that the first start began its import, so that nobody looks for a second
// record or saves the form once more.
func TestAContactSentAgainSaysTheFirstSendSavedIt(t *testing.T) {
	srv := testserver.Run(t)
	c, proxy := clientBehindLossyProxy(t, srv)
	test.NewTempApp(t)
	loc := SetLanguage("de")
	win := test.NewTempWindow(t, widget.NewLabel(""))
	win.Resize(fyne.NewSize(1100, 720))
	s := NewContactsScreen(c, loc, win)
	win.SetContent(s.Object())

	f := s.OpenForm(app.ContactForm{})
	test.Type(f.GivenName, "Erika")
	test.Type(f.FamilyName, "Mustermann")
	test.Type(f.Emails, "erika.savedonce@example.test")
	proxy.sendTwice(t, "a new contact", "createContact", f.Save, f.Message, func() bool { return s.Detail != nil })
	if got := s.Detail.Status.Text; !strings.Contains(got, "schon mit der ersten Übermittlung gespeichert") || !strings.Contains(got, "nicht doppelt") {
		t.Errorf("the contact saved again opens with %q, want that the first send saved it, once", got)
	}
	page, err := c.SearchContacts(context.Background(), "erika.savedonce@example.test", 10, "")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(page.Edges); n != 1 {
		t.Fatalf("records of her after the save was sent again: %d, want 1", n)
	}

	// A save whose answer came says nothing of an earlier send.
	test.Tap(s.Detail.Edit)
	f = s.Form
	test.Type(f.Phones, "0221 555 0100")
	test.Tap(f.Save)
	eventuallyE2E(t, "the edit saved", func() bool { return s.Detail != nil && len(s.Detail.contact.Phones) == 1 })
	if got := s.Detail.Status.Text; got != "" {
		t.Errorf("a contact saved at the first send opens with %q, want nothing about an earlier send", got)
	}
}
