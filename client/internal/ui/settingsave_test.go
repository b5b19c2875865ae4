package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/app"
	"github.com/vermerk/vermerk/client/internal/demo"
)

// The token's file cannot be written (here a file stands where its folder should be). Saving
// the settings says in the settings dialog, in plain words, which file could not be written and
// what that means, with the system's words under the technical details; the token typed stays
// in the dialog to be saved again. (It was a bare error dialog with Go's error text.)
func TestASettingsSaveThatCannotWriteTheTokenSaysSo(t *testing.T) {
	t.Setenv("VERMERK_TOKEN", "")
	t.Setenv("VERMERK_SERVER_URL", "")
	t.Setenv("VERMERK_LANG", "de")
	blocker := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(blocker, []byte("a file where a folder should be\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(blocker, "home"))
	a := test.NewTempApp(t)
	s := NewShell(a, func(app.Settings) (app.Backend, error) { return demo.New(), nil })
	t.Cleanup(s.Win.Close)
	if s.Dialog == nil {
		t.Fatal("no settings dialog for a missing token")
	}
	test.Type(s.Dialog.Token, "vmk_erika-token")
	test.Tap(dialogButton(t, s.Win, "Speichern"))
	pump()
	if s.Dialog == nil {
		var shown []string
		if top := openDialog(s.Win); top != nil {
			for _, o := range test.LaidOutObjects(top) {
				if l, ok := o.(*widget.Label); ok && l.Text != "" {
					shown = append(shown, l.Text)
				}
			}
		}
		t.Fatalf("after a save that could not write the token, no settings dialog says so; on top: %q", shown)
	}
	path := filepath.Join(blocker, "home", "vermerk", "token")
	if want := "Das Token wurde nicht gespeichert: Die Datei " + path + " ließ sich nicht ändern."; !strings.HasPrefix(s.Dialog.Result.Text, want) {
		t.Errorf("the settings dialog says %q, want it to start %q", s.Dialog.Result.Text, want)
	}
	if d := foldedDetails(s.Dialog.Result.Object()); len(d) != 1 || !strings.Contains(d[0], "not a directory") {
		t.Errorf("details under it: %q, want the system's words", d)
	}
	if s.Dialog.Token.Text != "vmk_erika-token" {
		t.Errorf("the token field holds %q after the failed save", s.Dialog.Token.Text)
	}
	if n := len(s.Win.Canvas().Overlays().List()); n != 1 {
		t.Errorf("%d dialogs open, want the settings dialog only", n)
	}
}
