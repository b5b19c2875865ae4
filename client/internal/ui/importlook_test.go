package ui

import (
	"image/color"
	"io"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/app"
)

// The import screen's error reads as the contact form's does (the same red), and unfolding its
// technical details leaves the preview table as it was: the rows the user is about to import
// stay in view.
func TestTheImportersErrorLooksLikeTheFormsAndKeepsThePreview(t *testing.T) {
	srv, c := ownServer(t)
	test.NewTempApp(t)
	loc := SetLanguage("de")
	w := test.NewTempWindow(t, widget.NewLabel(""))
	w.Resize(fyne.NewSize(1280, 800))

	f := NewFormScreen(c, loc, w, app.ContactForm{})
	w.SetContent(f.Object())
	t.Cleanup(f.Close)
	test.Tap(f.Save) // no name: the form's own check
	formRed := textColour(t, "the form's message", f.Message.Object(), f.Message.Text)

	s := NewImportScreen(c, loc, w)
	w.SetContent(s.Object())
	t.Cleanup(s.Stop)
	const csv = "Vorname;Nachname;E-Mail\nErika;Mustermann;erika.look@example.test\nMax;Mustermann;max.look@example.test\n"
	s.LoadFile("messe.csv", func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(csv)), nil })
	eventuallyE2E(t, "the preview", func() bool { return !s.Start.Disabled() })
	srv.Stop(t)
	test.Tap(s.Start)
	eventuallyE2E(t, "the failed start", func() bool { return strings.Contains(s.Message.Text, "nicht erreichbar") && !s.Start.Disabled() })
	if got := textColour(t, "the import's message", s.Message.Object(), s.Message.Text); got != formRed {
		t.Errorf("the import's error is drawn in %v, the form's in %v; want the same", got, formRed)
	}

	layOut(w)
	before := s.Rows.Size()
	s.Message.Details.Open(0)
	layOut(w)
	if after := s.Rows.Size(); after != before {
		t.Errorf("the preview table is %v with the details folded and %v unfolded; want it to keep its size", before, after)
	}
}

// textColour is the colour o draws text in (the first line of it), laid out in its window.
func textColour(t *testing.T, what string, o fyne.CanvasObject, text string) color.Color {
	t.Helper()
	first, _, _ := strings.Cut(text, "\n")
	for _, obj := range test.LaidOutObjects(o) {
		if ct, ok := obj.(*canvas.Text); ok && ct.Text != "" && strings.HasPrefix(first, ct.Text) {
			return ct.Color
		}
	}
	t.Fatalf("%s: no text %q drawn", what, first)
	return nil
}

// layOut lays the window's content out again as the running app does on its next frame, after
// a widget changed its height.
func layOut(w fyne.Window) {
	c := w.Canvas()
	c.Content().Resize(c.Size())
	c.Content().Refresh()
}
