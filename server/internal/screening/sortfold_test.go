package screening

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestAppendSortFold(t *testing.T) {
	for in, want := range map[string]string{
		"Mustermann-Schmidt": "mustermann-schmidt",
		"van der Berg":       "van der berg",
		"Ärger":              "arger",
		"ÖZDEMİR":            "ozdemir",
		"Müßig":              "mussig",
		"Łukasiewicz":        "lukasiewicz",
		"Æbelø":              "aebelo",
		"Ŝtelo":              "stelo",
		"Σίσυφος":            "σισυφοσ", // the final sigma as Σ lower-cased
		"Пётр":               "петр",
		"":                   "",
	} {
		if got := string(AppendSortFold(nil, in)); got != want {
			t.Errorf("AppendSortFold(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"Mu\u0308ller": "mueller", "A\u0308rger": "aerger", "a\u0308\u0308": "ae", "e\u0308": "e", "Müller": "mueller", "ÄRGER": "aerger", "Straße": "strasse", "Łódź": "lodz", "Mueller": "mueller"} {
		if got := string(AppendUmlautFold(nil, in)); got != want {
			t.Errorf("AppendUmlautFold(%q) = %q, want %q", in, got, want)
		}
	}
}

// ASCII is only lower-cased (what the server stored before, so those keys need no rewrite),
// and the fold of a string is the folds of its runes one after the other, so a key written
// by the import, the entry form or the migration is the same.
func FuzzAppendSortFold(f *testing.F) {
	for _, s := range []string{"Erika Mustermann", "Ärger", "a\u0308", "\xff", "ǅ", "ﬃ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := string(AppendSortFold(nil, s))
		ascii := true
		for i := range len(s) {
			ascii = ascii && s[i] < utf8.RuneSelf
		}
		if ascii && got != strings.ToLower(s) {
			t.Fatalf("AppendSortFold(%q) = %q, want %q", s, got, strings.ToLower(s))
		}
		var each, eachE []byte
		for _, r := range s {
			each = AppendSortFold(each, string(r))
			eachE = AppendUmlautFold(eachE, string(r))
		}
		if string(each) != got {
			t.Fatalf("AppendSortFold(%q) = %q, rune by rune %q", s, got, each)
		}
		// the two folds differ only in the e after an umlaut's letter: the same words; rune by
		// rune but for a combining diaeresis after a, o or u (decomposed input), which is an umlaut
		e := string(AppendUmlautFold(nil, s))
		if (e != string(eachE) && !strings.Contains(s, "\u0308")) || strings.Count(e, " ") != strings.Count(got, " ") {
			t.Fatalf("AppendUmlautFold(%q) = %q (rune by rune %q), AppendSortFold %q", s, e, eachE, got)
		}
	})
}
