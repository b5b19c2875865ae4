package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/vermerk/vermerk/client/internal/api"
)

// A search that fails lists nothing of the search before it: the contact list and the request
// form's choice of a contact show no person found for another search text as if found for
// this one (a user acts on what is listed). Once the server is back, Enter searches again.
func TestAFailedSearchShowsNoResultsOfTheSearchBefore(t *testing.T) {
	srv, c := ownServer(t)
	for _, p := range [][3]string{{"Anna", "Probe", "anna.probe@example.test"}, {"Bert", "Beispiel", "bert.beispiel@example.test"}} {
		if _, err := c.CreateContact(context.Background(), api.ContactInput{GivenName: &p[0], FamilyName: &p[1], Emails: []string{p[2]}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	test.NewTempApp(t)
	loc := SetLanguage("de")
	w := test.NewTempWindow(t, widget.NewLabel(""))
	w.Resize(fyne.NewSize(1280, 800))
	s := NewContactsScreen(c, loc, w)
	w.SetContent(s.Object())
	f := newRequestFiling(c, loc)
	test.NewTempWindow(t, f.Object())

	test.Type(s.Search, "Probe")
	eventuallyE2E(t, "the contacts named Probe", func() bool { return s.Count.Text == "1 von 1 Kontakt" })
	f.ContactSearch.SetText("Probe")
	f.SearchContacts()
	eventuallyE2E(t, "Anna Probe chosen in the request form", func() bool { return strings.HasPrefix(f.Contact.Selected, "Anna Probe") })

	srv.Stop(t)
	s.Search.SetText("Beispiel")
	eventuallyE2E(t, "the failed search", func() bool { return strings.Contains(s.Message.Text, "nicht erreichbar") })
	if n := s.List.Length(); n != 0 || s.FirstID() != "" {
		t.Errorf("after the search for Beispiel failed the list shows %d contacts (%q), the search for Probe's", n, s.Count.Text)
	}
	if got := s.Count.Text; !strings.Contains(got, "Suche nach „Beispiel“ fehlgeschlagen") {
		t.Errorf("after the search for Beispiel failed the count says %q, want that the search for „Beispiel“ failed", got)
	}
	if s.LoadMore.Visible() {
		t.Error("a failed search offers to load more")
	}
	f.ContactSearch.SetText("Beispiel")
	f.SearchContacts()
	eventuallyE2E(t, "the request form's failed search", func() bool { return strings.Contains(f.Message.Text, "nicht erreichbar") })
	if got := f.Contact.Selected; got != "" || len(f.Contact.Options) != 0 {
		t.Errorf("after the search for Beispiel failed the request form has %q chosen (of %q), found by the search for Probe", got, f.Contact.Options)
	}

	srv.Start(t)
	s.Search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	eventuallyE2E(t, "the search for Beispiel again, by Enter", func() bool {
		return s.Count.Text == "1 von 1 Kontakt" && s.state.Items[0].FamilyName == "Beispiel"
	})
	if s.Message.Text != "" {
		t.Errorf("the search for Beispiel found Bert, and the list still says %q", s.Message.Text)
	}
	f.SearchContacts()
	eventuallyE2E(t, "Bert Beispiel chosen in the request form", func() bool { return strings.HasPrefix(f.Contact.Selected, "Bert Beispiel") })
	if f.Message.Text != "" {
		t.Errorf("the request form found Bert, and still says %q", f.Message.Text)
	}
}
