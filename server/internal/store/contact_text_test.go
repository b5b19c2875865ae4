package store

import (
	"strings"
	"testing"
	"unicode"

	"github.com/vermerk/vermerk/server/internal/screening"
)

// SearchText in several passes, as its comment says: what the one-allocation one must give.
func searchTextReference(c screening.Contact) string {
	parts := []string{c.GivenName, c.FamilyName}
	if c.Organization != "" {
		parts = append(parts, c.Organization)
	}
	if c.Address != nil {
		parts = append(parts, c.Address.City)
	}
	half := func(fold func([]byte, string) []byte) string {
		text := string(fold(nil, strings.ToLower(strings.Join(parts, " "))))
		for _, name := range parts[:2] {
			f := string(fold(nil, strings.ToLower(name)))
			joined := strings.Map(func(r rune) rune {
				if unicode.IsLetter(r) || unicode.IsDigit(r) {
					return r
				}
				return -1
			}, f)
			if joined != f && joined != "" {
				text += " " + joined
			}
		}
		return text
	}
	a, e := half(screening.AppendSortFold), half(screening.AppendUmlautFold)
	if a == e {
		return a
	}
	return a + " " + e
}

func FuzzSearchText(f *testing.F) {
	for _, s := range [][4]string{{"Erika", "Mustermann", "Musterfirma GmbH", "Köln"}, {"", "Müller-Lüdenscheidt", "", ""},
		{"Jürgen  Ölaf", "von Bülow", "Groß & Söhne", "Düsseldorf"}, {"İstanbul", "ΣΊΣΥΦΟΣ", "a\xffb", "ǅ"}, {"Mu\u0308ller", " ", "", "Ä"}} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	f.Fuzz(func(t *testing.T, given, family, org, city string) {
		for _, c := range []screening.Contact{{GivenName: given, FamilyName: family, Organization: org},
			{GivenName: given, FamilyName: family, Organization: org, Address: &screening.Address{City: city}}} {
			if got, want := SearchText(c), searchTextReference(c); got != want {
				t.Fatalf("SearchText(%q, %q, %q, %v) = %q, want %q", given, family, org, c.Address, got, want)
			}
		}
		if got, want := SortKey(family, given, org), string(screening.AppendSortFold(nil, strings.ToLower(family+" "+given+" "+org))); got != want {
			t.Fatalf("SortKey(%q, %q, %q) = %q, want %q", family, given, org, got, want)
		}
	})
}

func BenchmarkSearchText(b *testing.B) {
	c := screening.Contact{GivenName: "Jürgen", FamilyName: "Müller-Lüdenscheidt", Organization: "Musterfirma GmbH",
		Address: &screening.Address{City: "Köln"}}
	b.ReportAllocs()
	for b.Loop() {
		SortKey(c.FamilyName, c.GivenName, c.Organization)
		SearchText(c)
	}
}

// A cursor's key is refolded (CursorSortKey): that must leave every key SortKey writes as it
// is, and turn a key written before the sort fold (oldSortKey) into the key SortKey writes now.
// The fold goes rune by rune, so every rune is checked.
func TestCursorSortKeyOfEveryRune(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xd800 && r < 0xe000 {
			continue // surrogates: not in a string
		}
		s := string(r)
		now := SortKey(s, s, s)
		if got := CursorSortKey(now); got != now {
			t.Errorf("CursorSortKey(%q) = %q, want it unchanged (SortKey of %U)", now, got, r)
		}
		if got := CursorSortKey(oldSortKey(s)); got != now {
			t.Errorf("CursorSortKey of the old key %q = %q, want SortKey's %q (%U)", oldSortKey(s), got, now, r)
		}
	}
}

// oldSortKey is the sort key before migration 00034 of a contact named s, s and s.
func oldSortKey(s string) string { return strings.ToLower(s + " " + s + " " + s) }
