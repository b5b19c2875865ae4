package ui

import (
	"io"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/vermerk/vermerk/client/internal/demo"
)

// Staff import an address list and go to the contacts tab to look at the new people: the
// list counts and shows them (it kept the count from before the import until a search).
func TestTheContactListShowsWhatAnImportInserted(t *testing.T) {
	a := test.NewTempApp(t)
	b := demo.New()
	b.ImportStep = 0
	s := NewDemoShell(a, b)
	t.Cleanup(s.Win.Close)
	eventually(t, "the contacts", func() bool { return s.Contacts != nil && s.Contacts.state.Total > 0 })
	before := s.Contacts.state.Total

	s.Import.LoadFile("neu.csv", func() (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader("Vorname;Nachname;E-Mail\nErika;Testfrau;erika.testfrau@example.test\n")), nil
	})
	eventually(t, "the preview", func() bool { return !s.Import.Start.Disabled() })
	test.Tap(s.Import.Start)
	eventually(t, "the finished import", func() bool { return s.Import.flow.Finished() })
	eventually(t, "the new contact in the list", func() bool { return s.Contacts.state.Total == before+1 })
	found := false
	for _, c := range s.Contacts.state.Items {
		found = found || c.FamilyName == "Testfrau"
	}
	if !found {
		t.Fatal("the imported contact is not in the list")
	}
}
