package importer

import (
	"strings"
	"testing"
)

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
