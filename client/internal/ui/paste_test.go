package ui

import (
	"slices"
	"testing"

	"fyne.io/fyne/v2"

	"github.com/vermerk/vermerk/client/internal/demo"
)

// E-mails or phones pasted one per line (a column of a spreadsheet, a signature, a list
// copied on Windows with CR LF) become one value each, with what was typed before kept; the
// single-line field would otherwise make them one value the server refuses.
func TestPastedLinesBecomeSeveralValues(t *testing.T) {
	f, w := newTestForm(t, demo.New())
	clip := w.Clipboard()

	clip.SetContent("max.beispiel@example.test\nerika.beispiel@example.test\n")
	f.Emails.TypedShortcut(&fyne.ShortcutPaste{Clipboard: clip})
	if got, want := f.Model().Input().Emails, []string{"max.beispiel@example.test", "erika.beispiel@example.test"}; !slices.Equal(got, want) {
		t.Errorf("pasted e-mails %q (field %q), want %q", got, f.Emails.Text, want)
	}

	f.Phones.SetText("030 5550100, ")
	f.Phones.CursorColumn = len([]rune(f.Phones.Text))
	clip.SetContent("030 5550101\r\n\r\n+49 40 5550102\r\n")
	f.Phones.TypedShortcut(&fyne.ShortcutPaste{Clipboard: clip})
	if got, want := f.Model().Input().Phones, []string{"030 5550100", "030 5550101", "+49 40 5550102"}; !slices.Equal(got, want) {
		t.Errorf("pasted phones %q (field %q), want %q", got, f.Phones.Text, want)
	}

	// One line pasted is pasted as it is.
	f.GivenName.SetText("")
	clip.SetContent("Erika")
	f.GivenName.TypedShortcut(&fyne.ShortcutPaste{Clipboard: clip})
	if f.GivenName.Text != "Erika" {
		t.Errorf("given name %q", f.GivenName.Text)
	}
}
