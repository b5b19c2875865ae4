package screening

import (
	"slices"
	"strings"
	"testing"
)

func TestNameAddressKeys(t *testing.T) {
	tests := []struct {
		family, given, postal, street string
		want                          []string
	}{
		{"Mustermann", "Erika", "10115", "Lindenstraße 12",
			[]string{"mustermann|erika|10115|lindenstr12"}},
		{"MUSTERMANN", "erika", " 10115 ", "Lindenstr. 12",
			[]string{"mustermann|erika|10115|lindenstr12"}},
		{"Mustermann", "Erika", "10115", "Lindenstrasse 12",
			[]string{"mustermann|erika|10115|lindenstr12"}},
		{"Mustermann", "Erika", "10115", "Linden Straße 12",
			[]string{"mustermann|erika|10115|lindenstr12"}},
		{"Mustermann", "Erika", "10115", "Linden-Str 12",
			[]string{"mustermann|erika|10115|lindenstr12"}},
		{"Mustermann", "Erika", "10115", "LINDENSTR.12",
			[]string{"mustermann|erika|10115|lindenstr12"}},
		{"Mustermann", "Erika", "10115", "Lindenstraße 12a",
			[]string{"mustermann|erika|10115|lindenstr12a"}},
		{"Mustermann", "Erika", "10115", "Lindenstraße 12 a",
			[]string{"mustermann|erika|10115|lindenstr12a"}},
		{"Mustermann", "Erika", "10115", "Lindenstraße 12-A",
			[]string{"mustermann|erika|10115|lindenstr12a"}},
		{"Mustermann", "Erika", "10115", "Straße des 17. Juni 135",
			[]string{"mustermann|erika|10115|strdes17juni135"}},
		{"Mustermann", "Erika", "10115", "Str. d. 17. Juni 135",
			[]string{"mustermann|erika|10115|strd17juni135"}}, // abbreviations other than Str. are not expanded
		// ß → ss
		{"Weiß", "Jörg", "80331", "Große Straße 1",
			[]string{"weiss|joerg|80331|grossestr1", "weiss|jorg|80331|grossestr1"}},
		// umlauts both ways, every combination per part, "ae" first
		{"Müller", "Jürgen", "10115", "Mühlenweg 3", []string{
			"mueller|juergen|10115|muehlenweg3",
			"mueller|juergen|10115|muhlenweg3",
			"mueller|jurgen|10115|muehlenweg3",
			"mueller|jurgen|10115|muhlenweg3",
			"muller|juergen|10115|muehlenweg3",
			"muller|juergen|10115|muhlenweg3",
			"muller|jurgen|10115|muehlenweg3",
			"muller|jurgen|10115|muhlenweg3",
		}},
		{"Mueller", "Juergen", "10115", "Muehlenweg 3", []string{"mueller|juergen|10115|muehlenweg3"}},
		{"MÜLLER", "", "10115", "Am Markt 1", []string{"mueller||10115|ammarkt1", "muller||10115|ammarkt1"}},
		{"Mu\u0308ller", "", "10115", "Am Markt 1", []string{"mueller||10115|ammarkt1", "muller||10115|ammarkt1"}}, // decomposed ü
		// other diacritics stripped, punctuation and spaces dropped
		{"Brontë", "Zoé", "75001", "Rue de l'Église 5", []string{"bronte|zoe|75001|ruedeleglise5"}},
		{"Meyer-Schmidt", "Anna Lena", "10115", "Am Markt 1", []string{"meyerschmidt|annalena|10115|ammarkt1"}},
		{"Meyer Schmidt", "Anna-Lena", "10115", "Am Markt 1", []string{"meyerschmidt|annalena|10115|ammarkt1"}},
		{"O'Neil", "Erika", "SW1A 1AA", "Example Street 1", []string{"oneil|erika|sw1a1aa|examplestreet1"}},
		{"Ærø", "Łukasz", "1000", "Øster Allé 1", []string{"aero|lukasz|1000|osteralle1"}},
		// not enough to identify anyone
		{"", "Erika", "10115", "Lindenstraße 12", nil},
		{"Mustermann", "Erika", "", "Lindenstraße 12", nil},
		{"Mustermann", "Erika", "10115", "", nil},
		{"---", "Erika", "10115", "Lindenstraße 12", nil},
		{"Mustermann", "Erika", "10115", " . ", nil},
	}
	for _, tt := range tests {
		got := NameAddressKeys(tt.family, tt.given, tt.postal, tt.street)
		if !slices.Equal(got, tt.want) {
			t.Errorf("NameAddressKeys(%q, %q, %q, %q) =\n%q\nwant\n%q", tt.family, tt.given, tt.postal, tt.street, got, tt.want)
		}
	}
}

// A person erased as "Müller" is found when entered as "Mueller" or "Muller".
func TestNameAddressKeysMatchAcrossSpellings(t *testing.T) {
	stored := NameAddressKeys("Müller", "Jürgen", "10115", "Lindenstraße 12a")
	for _, entered := range [][4]string{
		{"Mueller", "Juergen", "10115", "Lindenstr. 12 a"},
		{"Muller", "Jurgen", "10115", "Lindenstrasse 12-A"},
		{"Mueller", "Jurgen", "10115", "Linden Str. 12A"},
		{"MÜLLER", "JÜRGEN", "10115", "LINDENSTRASSE 12A"},
	} {
		keys := NameAddressKeys(entered[0], entered[1], entered[2], entered[3])
		if !slices.ContainsFunc(keys, func(k string) bool { return slices.Contains(stored, k) }) {
			t.Errorf("%q: keys %q share none with %q", entered, keys, stored)
		}
	}
}

func FuzzNameAddressKeys(f *testing.F) {
	f.Add("Müller", "Jürgen", "10115", "Lindenstraße 12a")
	f.Add("Weiß", "Zoé", "SW1A 1AA", "Straße des 17. Juni 135")
	f.Add("Ærø", "", "1000", "Stras se 1")
	f.Fuzz(func(t *testing.T, family, given, postal, street string) {
		keys := NameAddressKeys(family, given, postal, street)
		for _, k := range keys {
			p := strings.Split(k, "|")
			if len(p) != 4 {
				t.Fatalf("key %q has %d parts", k, len(p))
			}
			if again := NameAddressKeys(p[0], p[1], p[2], p[3]); !slices.Equal(again, []string{k}) {
				t.Fatalf("NameAddressKeys(%q, %q, %q, %q) gave key %q; its parts give %q", family, given, postal, street, k, again)
			}
		}
		if len(keys) > 8 {
			t.Fatalf("%d keys", len(keys))
		}
	})
}

// foldBoth folds Latin text rune by rune from a table; it must agree with the slow path on
// every pair of such runes (a rune's fold could depend only on its neighbours) and on text.
func TestFoldBothTableAgreesWithSlowPath(t *testing.T) {
	for r1 := range rune(latinFoldsEnd) {
		for r2 := range rune(latinFoldsEnd) {
			s := string(r1) + string(r2)
			ae, a := foldBoth(s)
			if sae, sa := foldBothSlow(s); ae != sae || a != sa {
				t.Fatalf("foldBoth(%q) = %q, %q; slow path %q, %q", s, ae, a, sae, sa)
			}
		}
	}
	for _, s := range []string{"", "Jürgen Müller-Lüdenscheidt", "Hauptstraße 12a", "Ærøskøbing", "ŁÓDŹ", "İstanbul", "Ǆemal", "ǅ", "Straße\u0308", "Mu\u0308ller", "Tōkyō 東京", "\xff\xfe"} {
		ae, a := foldBoth(s)
		if sae, sa := foldBothSlow(s); ae != sae || a != sa {
			t.Errorf("foldBoth(%q) = %q, %q; slow path %q, %q", s, ae, a, sae, sa)
		}
	}
}

func FuzzFoldBoth(f *testing.F) {
	for _, s := range []string{"Jürgen Müller", "Hauptstraße 12a", "Ærøskøbing", "Mu\u0308ller"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ae, a := foldBoth(s)
		if sae, sa := foldBothSlow(s); ae != sae || a != sa {
			t.Fatalf("foldBoth(%q) = %q, %q; slow path %q, %q", s, ae, a, sae, sa)
		}
	})
}
