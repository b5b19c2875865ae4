package importer

import (
	"strings"
	"testing"
)

// lowerJoin must give what contacts' sortKey and searchText give (strings.ToLower of the
// joined parts), or imported contacts would sort and be found differently.
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

func TestSplitValues(t *testing.T) {
	for _, tt := range []struct {
		cell string
		want []string
	}{
		{"", nil}, {"   ", nil}, {" max@example.org ", []string{"max@example.org"}},
		{"max@example.org, erika@example.org", []string{"max@example.org", "erika@example.org"}},
		{"030 1234567;+49 30 1234568\n", []string{"030 1234567", "+49 30 1234568"}},
		{",;\n", nil},
	} {
		if got := splitValues(tt.cell); strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("splitValues(%q) = %q, want %q", tt.cell, got, tt.want)
		}
	}
}
