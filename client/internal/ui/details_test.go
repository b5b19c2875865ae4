package ui

import (
	"io"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// The server stops while someone works on the screens that are not the form: the importer,
// the list of earlier imports, the consent proof, the office's set-up, a rectification's
// records and the export. Each says in plain words that the server is not reachable and what
// to check, with the network's own words one click away under Technische Details.
func TestEveryScreenKeepsTheTechnicalDetailsOfAnOutage(t *testing.T) {
	srv, c, detail := erikaOnServer(t, "erika@example.test")
	test.NewTempApp(t)
	loc := SetLanguage("de")
	w := test.NewTempWindow(t, widget.NewLabel(""))
	w.Resize(fyne.NewSize(1100, 760))
	srv.Stop(t)
	unreachable := "Der Server unter " + srv.URL + " ist nicht erreichbar. Bitte prüfen, ob die Adresse in den Einstellungen stimmt und der Server läuft"
	says := func(what string, n *Notice, prefix string) {
		t.Helper()
		eventuallyE2E(t, what, func() bool { return strings.Contains(n.Text, "nicht erreichbar") })
		if !strings.HasPrefix(n.Text, prefix) {
			t.Errorf("%s says %q, want it to start %q", what, n.Text, prefix)
		}
		plainWithDetails(t, what, n.Text, n.Object())
	}

	imp := NewImportScreen(c, loc, w)
	w.SetContent(imp.Object())
	imp.LoadFile("adressen.csv", func() (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader("Vorname;Nachname;E-Mail\nErika;Mustermann;erika@example.test\n")), nil
	})
	says("the importer's preview", imp.Message, unreachable)
	imp.ShowJobs()
	says("the list of earlier imports", imp.JobsDialog.Message, unreachable)
	imp.JobsDialog.Dialog.Hide()
	imp.Message.SetText("")
	imp.OpenJob("0190a000-0000-7000-8000-000000000001")
	says("an earlier import opened", imp.Message, unreachable)

	d := NewDetailView(c, loc, w, detail, nil, true)
	w.SetContent(d.Object())
	d.ShowProof()
	says("the consent proof", d.ProofView.Message, unreachable)
	d.ProofView.Dialog.Hide()
	test.Tap(d.Export)
	says("the export's status", d.Status, "Nicht gespeichert: "+unreachable)

	office := NewOfficeScreen(c, loc, w)
	w.SetContent(office.Object())
	office.Reload()
	for i, n := range []*Notice{office.PurposeMsg, office.TokenMsg, office.HookMsg} {
		office.Tabs.SelectIndex(i)
		says("the office's tab "+office.Tabs.Items[i].Text, n, unreachable)
	}

	rect := newRectifyPanel(c, loc, "0190a000-0000-7000-8000-000000000002", nil)
	w.SetContent(rect.Object())
	rect.Load()
	says("the rectification's records", rect.Info, unreachable)
}
