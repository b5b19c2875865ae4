package app

import "testing"

func TestPastedValuesKeepsLinesApart(t *testing.T) {
	tests := []struct{ in, want string }{
		{"erika@example.test", "erika@example.test"},
		{" 030 5550100 ", " 030 5550100 "}, // one line: as it is
		{"a@example.test\nb@example.test\n", "a@example.test, b@example.test"},
		{"030 5550101\r\n\r\n+49 40 5550102\r\n", "030 5550101, +49 40 5550102"},
		{"a@example.test\tb@example.test", "a@example.test, b@example.test"},
		{"a@example.test\u2028b@example.test", "a@example.test, b@example.test"},
		{"\n\n", ""},
	}
	for _, tt := range tests {
		if got := PastedValues(tt.in); got != tt.want {
			t.Errorf("PastedValues(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
