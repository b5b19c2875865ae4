package ui

import (
	"context"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/demo"
)

// openDialog is the dialog on top of the window, or nil.
func openDialog(w fyne.Window) fyne.CanvasObject { return w.Canvas().Overlays().Top() }

// dialogButton finds the button labelled text in the dialog on top of w.
func dialogButton(t *testing.T, w fyne.Window, text string) *widget.Button {
	t.Helper()
	top := openDialog(w)
	if top == nil {
		t.Fatalf("no dialog open to tap %q in", text)
	}
	for _, o := range test.LaidOutObjects(top) {
		if b, ok := o.(*widget.Button); ok && b.Text == text && b.Visible() {
			return b
		}
	}
	t.Fatalf("no button %q in the dialog", text)
	return nil
}

// dialogShows says whether a visible label in the dialog on top of w reads text.
func dialogShows(w fyne.Window, text string) bool {
	top := openDialog(w)
	if top == nil {
		return false
	}
	for _, o := range test.LaidOutObjects(top) {
		if l, ok := o.(*widget.Label); ok && l.Text == text && l.Visible() {
			return true
		}
	}
	return false
}

func consentStatus(b *demo.Backend, id, purpose string) api.ConsentStatus {
	c, _ := b.Contact(context.Background(), id)
	for _, cf := range c.Consents {
		if cf.Purpose.Key == purpose {
			return cf.Status
		}
	}
	return ""
}

// Staff forget the source: the grant dialog says so where they look, and keeps the purpose
// and the evidence they typed (it closed, and the words went below the consents, out of view).
func TestARefusedGrantKeepsTheDialogAndWhatWasTyped(t *testing.T) {
	b := demo.New()
	loc, w := testWindow(t)
	s := NewContactsScreen(b, loc, w)
	w.SetContent(s.Object())
	s.OpenContact("c002")
	eventually(t, "the detail", func() bool { return s.Detail != nil })
	test.Tap(s.Detail.Consents.Grant)
	g := s.Detail.Consents.GrantForm
	if g.Purpose.PlaceHolder == "(Select one)" {
		t.Error("the purpose choice shows Fyne's untranslated placeholder")
	}
	g.Purpose.SetSelected("Postwerbung")
	test.Type(g.Evidence, "signed card, stand 4")

	test.Tap(dialogButton(t, w, "Save"))
	eventually(t, "the refusal in the dialog", func() bool { return dialogShows(w, "Say where the consent came from.") })
	if g.Evidence.Text != "signed card, stand 4" || g.Purpose.Selected != "Postwerbung" {
		t.Fatalf("the typed input is gone: purpose %q, evidence %q", g.Purpose.Selected, g.Evidence.Text)
	}

	test.Type(g.Source, "fair")
	test.Tap(dialogButton(t, w, "Save"))
	eventually(t, "the consent", func() bool { return consentStatus(b, "c002", "postal") == api.ConsentStatusGranted })
	eventually(t, "the dialog to close", func() bool { return openDialog(w) == nil })
}

// The revoke dialog's channel can be read and typed into, and a revocation without one
// neither closes the dialog nor goes out.
func TestRevokeAsksHowInAFieldOneCanSee(t *testing.T) {
	b := demo.New()
	loc, w := testWindow(t)
	s := NewContactsScreen(b, loc, w)
	w.SetContent(s.Object())
	s.OpenContact("c001")
	eventually(t, "the detail with a granted newsletter", func() bool {
		return s.Detail != nil && s.Detail.Consents.Revoke["newsletter"] != nil
	})
	test.Tap(s.Detail.Consents.Revoke["newsletter"])
	var channel *widget.SelectEntry
	for _, o := range test.LaidOutObjects(openDialog(w)) {
		if e, ok := o.(*widget.SelectEntry); ok {
			channel = e
		}
	}
	if channel == nil {
		t.Fatal("no channel field in the revoke dialog")
	}
	if width := channel.Size().Width; width < 200 {
		t.Errorf("the channel field is %v wide: too narrow to read what is typed", width)
	}

	test.Tap(dialogButton(t, w, "Revoke"))
	pump()
	if openDialog(w) == nil {
		t.Fatal("revoking without a channel closed the dialog")
	}
	if consentStatus(b, "c001", "newsletter") != api.ConsentStatusGranted {
		t.Fatal("revoked without a channel")
	}

	test.Type(channel, "phone")
	test.Tap(dialogButton(t, w, "Revoke"))
	eventually(t, "the revocation", func() bool { return consentStatus(b, "c001", "newsletter") == api.ConsentStatusRevoked })
	eventually(t, "the dialog to close", func() bool { return openDialog(w) == nil })
}
