package store

import (
	"strings"
	"testing"
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
