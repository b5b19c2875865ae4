package store

import (
	"strings"
	"testing"
	"unicode"
)

// lowerJoin must give what SearchText promises (strings.ToLower of the joined parts), or
// imported contacts would be found differently.
func FuzzLowerJoin(f *testing.F) {
	for _, s := range [][3]string{{"Erika", "Mustermann", "Musterfirma GmbH"}, {"MAX", "", "Straße"},
		{"Ärzte", "İstanbul", "ΣΊΣΥΦΟΣ"}, {"", "", ""}, {"a\xffb", "Z", "ǅ"}} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		for _, parts := range [][]string{{a}, {a, b}, {a, b, c}} {
			if got, want := lowerJoin(parts...), strings.ToLower(strings.Join(parts, " ")); got != want {
				t.Fatalf("lowerJoin(%q) = %q, want %q", parts, got, want)
			}
		}
	})
}

// A cursor's key is refolded (CursorSortKey): that must leave every key SortKey writes as it
// is, and turn a key written before the sort fold (lowerJoin) into the key SortKey writes now.
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
		if got := CursorSortKey(lowerJoin(s, s, s)); got != now {
			t.Errorf("CursorSortKey of the old key %q = %q, want SortKey's %q (%U)", lowerJoin(s, s, s), got, now, r)
		}
	}
}
