package ui

import (
	"slices"
	"testing"

	"github.com/vermerk/vermerk/client/internal/demo"
)

// A contact with no consent, where no purpose is set up yet, reads so under "Einwilligungen",
// as one on no list reads "Auf keinem Verteiler": an empty section reads as one that failed
// to load.
func TestAContactWithoutConsentSaysSo(t *testing.T) {
	loc, w := testWindow(t)
	v := NewConsentsView(demo.New(), loc, w, "c002", nil, nil)
	w.SetContent(v.Object())
	if got := labelTexts(v.Object()); !slices.Contains(got, "No consent recorded.") {
		t.Errorf("the consents of a contact without any read %q; want %q", got, "No consent recorded.")
	}
}
