package ui

import (
	"errors"
	"io"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/vermerk/vermerk/client/internal/demo"
)

// Before a file is chosen the import screen shows no empty table: the hint to choose a CSV file
// sits right below the button that chooses it, at the top left where the eye starts. The
// preview's table comes with a preview, and goes again when the next file cannot be read.
func TestTheImportScreenBeforeAFileStartsWithTheHintNotAnEmptyTable(t *testing.T) {
	loc, w := testWindow(t)
	w.Resize(fyne.NewSize(1280, 800))
	s := NewImportScreen(demo.New(), loc, w)
	w.SetContent(s.Object())
	layOut(w)

	if s.Rows.Visible() && s.Rows.Size().Height > 0 {
		t.Errorf("before a file is chosen an empty preview table of %v is shown", s.Rows.Size())
	}
	d := fyne.CurrentApp().Driver()
	pick, hint := d.AbsolutePositionForObject(s.Pick), d.AbsolutePositionForObject(s.Message.Label)
	if gap := hint.Y - (pick.Y + s.Pick.Size().Height); gap < 0 || gap > 3*theme.Padding() {
		t.Errorf("the hint %q is %v px below the choose button (at %v, the hint at %v); want it right below", s.Message.Text, gap, pick, hint)
	}
	if hint.X > pick.X+3*theme.Padding() {
		t.Errorf("the hint starts at x %v, the choose button at %v; want it under the button", hint.X, pick.X)
	}

	s.LoadFile("adressen.csv", func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(demo.SampleCSV)), nil })
	eventually(t, "the preview", func() bool { return !s.Start.Disabled() })
	layOut(w)
	if !s.Rows.Visible() || s.Rows.Size().Height < 100 {
		t.Errorf("the preview's table: visible %v, %v", s.Rows.Visible(), s.Rows.Size())
	}

	s.LoadFile("kaputt.csv", func() (io.ReadCloser, error) { return nil, errors.New("permission denied") })
	eventually(t, "the failed preview", func() bool { return s.Message.Text != "" })
	layOut(w)
	if s.Rows.Visible() || s.Detected.Text != "" || s.Columns.Text != "" {
		t.Errorf("kaputt.csv could not be read, and adressen.csv's preview stays: table visible %v, %q, %q", s.Rows.Visible(), s.Detected.Text, s.Columns.Text)
	}
}

// Once the import runs, the message above its progress has nothing to say: the progress bar
// stands at the top of the area below the preview, with no empty line's room above it.
func TestTheImportsProgressStandsWhereAnEmptyMessageWouldBe(t *testing.T) {
	b := demo.New()
	b.ImportStep = 0
	loc, w := testWindow(t)
	w.Resize(fyne.NewSize(1280, 800))
	s := NewImportScreen(b, loc, w)
	w.SetContent(s.Object())
	s.LoadFile("adressen.csv", func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(demo.SampleCSV)), nil })
	eventually(t, "the preview", func() bool { return !s.Start.Disabled() })
	test.Tap(s.Start)
	eventually(t, "the finished job", func() bool { return strings.Contains(s.Status.Text, "6 of 6 rows") })
	layOut(w)
	if s.Message.Text != "" {
		t.Fatalf("the message says %q; want nothing while the import goes well", s.Message.Text)
	}
	d := fyne.CurrentApp().Driver()
	top, bar := d.AbsolutePositionForObject(s.bottom), d.AbsolutePositionForObject(s.Progress)
	if gap := bar.Y - top.Y; gap > theme.Padding() {
		t.Errorf("the progress bar stands %v px below the top of its area (the empty message takes %v); want at most %v",
			gap, s.Message.Object().Size().Height, theme.Padding())
	}
}
