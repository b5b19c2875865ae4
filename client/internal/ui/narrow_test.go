package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/vermerk/vermerk/client/internal/demo"
)

// On a 1024×768 screen the detail of a contact leaves the list beside it room to search in:
// its rows of buttons squeezed the search field to a few letters and cut the names off.
func TestTheDetailLeavesTheListRoomAt1024(t *testing.T) {
	for _, lang := range []string{"de", "en"} {
		t.Run(lang, func(t *testing.T) {
			test.NewTempApp(t)
			loc := SetLanguage(lang)
			w := test.NewTempWindow(t, nil)
			s := NewContactsScreen(demo.New(), loc, w)
			s.Admin = true
			w.SetContent(s.Object())
			w.Resize(fyne.NewSize(1016, 680)) // the tab's share of a 1024×768 window
			s.OpenContact("c003")             // Lena Fischer, Fischer & Söhne GmbH
			eventually(t, "the detail", func() bool { return s.Detail != nil })
			settle()
			w.Resize(fyne.NewSize(1015, 680)) // lay out again, as a window does when its content grows
			w.Resize(fyne.NewSize(1016, 680))
			t.Logf("detail min width %v, search width %v", s.Detail.Object().MinSize().Width, s.Search.Size().Width)
			if got := s.Search.Size().Width; got < 200 {
				t.Errorf("the search field is %v wide beside the detail", got)
			}
		})
	}
}
