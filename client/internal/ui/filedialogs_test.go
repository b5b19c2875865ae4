package ui

import (
	"io"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/app"
	"github.com/vermerk/vermerk/client/internal/demo"
)

// Each file dialog says in its title what is opened or saved, in the app's words: Fyne's own
// title joins two words of its translation ("Öffnen Datei", "Speichern Datei").
func TestFileDialogsSayWhatTheyOpenOrSave(t *testing.T) {
	test.NewTempApp(t)
	for _, lang := range []struct {
		lang, open, pdf, json, record string
	}{
		{"de", "CSV-Datei öffnen", "PDF-Datei speichern", "JSON-Datei speichern", "Verzeichnis der Verarbeitungstätigkeiten speichern"},
		{"en", "Open a CSV file", "Save the PDF file", "Save the JSON file", "Save the record of processing activities"},
	} {
		loc := SetLanguage(lang.lang)
		window := func() fyne.Window {
			w := test.NewTempWindow(t, widget.NewLabel(""))
			w.Resize(fyne.NewSize(1280, 800))
			return w
		}
		titled := func(what string, w fyne.Window, want string) {
			t.Helper()
			if !dialogShows(w, want) {
				var labels []string
				for _, o := range test.LaidOutObjects(openDialog(w)) {
					if l, ok := o.(*widget.Label); ok && l.Text != "" {
						labels = append(labels, l.Text)
					}
				}
				t.Errorf("%s, %s: the file dialog is not titled %q (its labels: %q)", lang.lang, what, want, labels)
			}
		}

		w := window()
		s := NewImportScreen(demo.New(), loc, w)
		w.SetContent(s.Object())
		test.Tap(s.Pick)
		titled("choosing the file to import", w, lang.open)

		for name, want := range map[string]string{"nachweis-anna-probe.pdf": lang.pdf, "auskunft-anna-probe.json": lang.json} {
			w := window()
			saveFile(w, name, func(io.Writer) error { return nil }, func(string, error) {})
			titled("saving "+name, w, want)
		}

		w = window()
		r := NewRequestsScreen(struct{ app.RequestsBackend }{}, loc, w)
		w.SetContent(r.Object())
		test.Tap(r.SaveRecord)
		titled("saving the record", w, lang.record)
	}
}
