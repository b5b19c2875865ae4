package ui

import (
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/demo"
	"github.com/vermerk/vermerk/client/internal/testserver"
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

// The same against the real server: the window's contact list, loaded before the import,
// shows the people an import started from this window inserted, without a search.
func TestTheContactListShowsWhatAnImportInsertedOnTheServer(t *testing.T) {
	srv := testserver.Run(t)
	s := openShell(t, srv.URL, srv.Token, "de")
	eventuallyE2E(t, "the window connected", func() bool { return s.Contacts != nil && s.Contacts.Count.Text != "" })
	t.Cleanup(s.Import.Stop)

	s.Import.LoadFile("messe.csv", func() (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader("Vorname;Nachname;E-Mail\nErika;Testfrau;erika.testfrau@example.test\nMax;Testmann;max.testmann@example.test\n")), nil
	})
	eventuallyE2E(t, "the preview", func() bool { return !s.Import.Start.Disabled() })
	test.Tap(s.Import.Start)
	eventuallyE2E(t, "the finished import", func() bool { return s.Import.flow.Finished() })
	listed := func() bool {
		return slices.ContainsFunc(s.Contacts.state.Items, func(c api.ContactSummary) bool { return c.FamilyName == "Testfrau" })
	}
	deadline := time.Now().Add(5 * time.Second)
	for pump(); !listed(); pump() {
		if time.Now().After(deadline) {
			t.Fatalf("5 s after the import finished the contact list shows %d contacts (%q), not the imported ones",
				len(s.Contacts.state.Items), s.Contacts.Count.Text)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if s.Contacts.state.Total != 2 {
		t.Errorf("the contact list after the import counts %d (%q), want the 2 imported", s.Contacts.state.Total, s.Contacts.Count.Text)
	}
}
