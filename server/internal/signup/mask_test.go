package signup

import "testing"

func TestMaskEmailShowsLittleOfTheAddress(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"erika.mustermann@example.com", "e…n@e…e.com"},
		{"max@example.co.uk", "m…@e…o.uk"},
		{"a@b.de", "a…@b….de"},
		{"jürgen@müller.de", "j…n@m…r.de"},
		{"no-at-sign", "…"},
	} {
		if got := MaskEmail(c.in); got != c.want {
			t.Errorf("MaskEmail(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestPagesFollowAcceptLanguage(t *testing.T) {
	for _, c := range []struct {
		header string
		en     bool
	}{
		{"", false}, {"de-DE,de;q=0.9", false}, {"en-US,en;q=0.9", true}, {"fr-FR, en;q=0.5", true},
		{"fr", false}, {"en;q=0.4, de;q=0.8", false}, {"garbage;;;", false},
	} {
		if got := pagesFor(c.header) == pagesEN; got != c.en {
			t.Errorf("Accept-Language %q: English %v, want %v", c.header, got, c.en)
		}
	}
}
