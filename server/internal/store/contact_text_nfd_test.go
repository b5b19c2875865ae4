package store

import (
	"slices"
	"testing"

	"github.com/vermerk/vermerk/server/internal/screening"
	"golang.org/x/text/unicode/norm"
)

// A name typed or imported decomposed (NFD: "u" and a combining diaeresis, as macOS writes
// file names and some CSV exports carry them) is sorted and found as the same name composed.
func TestDecomposedNamesFoldAsComposed(t *testing.T) {
	for _, name := range []string{"Müller", "Jürgen Größe-Ölmann", "ÄRGER", "Nguyễn Thị Ánh", "Åsa Øberg", "Łukasz Żak"} {
		nfd := norm.NFD.String(name)
		if nfd == name {
			t.Fatalf("%q has no decomposed form", name)
		}
		c, d := screening.Contact{GivenName: "Anna", FamilyName: name}, screening.Contact{GivenName: "Anna", FamilyName: nfd}
		if got, want := SearchText(d), SearchText(c); got != want {
			t.Errorf("SearchText of %q decomposed = %q, want %q as composed", name, got, want)
		}
		if got, want := SortKey(nfd, "", ""), SortKey(name, "", ""); got != want {
			t.Errorf("SortKey of %q decomposed = %q, want %q", name, got, want)
		}
		if got, want := SearchFolds(nfd), SearchFolds(name); !slices.Equal(got, want) {
			t.Errorf("SearchFolds of %q decomposed = %q, want %q", name, got, want)
		}
	}
}
