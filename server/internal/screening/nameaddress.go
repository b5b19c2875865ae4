package screening

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// NameAddressKeys returns the keys under which a person is known by name and
// postal address, "family|given|postal code|street with number", in every
// spelling variant (see the package documentation), deduplicated, the variant
// with umlauts written "ae/oe/ue" first. It returns nil when the family name,
// postal code or street is empty after folding: that is not enough to identify
// anyone. The given name may be empty.
func NameAddressKeys(familyName, givenName, postalCode, street string) []string {
	family := foldVariants(familyName)
	postal := fold(postalCode)
	streets := foldVariants(street)
	if family[0] == "" || postal == "" || streets[0] == "" {
		return nil
	}
	given := foldVariants(givenName)
	for i, s := range streets {
		streets[i] = foldStreet(s)
	}
	keys := make([]string, 0, 8)
	for _, f := range family {
		for _, g := range given {
			for _, s := range streets {
				k := f + "|" + g + "|" + postal + "|" + s
				if !contains(keys, k) {
					keys = append(keys, k)
				}
			}
		}
	}
	return keys
}

// PostalKey is a postal code as the name-and-address keys hold it: case, spaces and dashes do
// not count ("1015 CJ" is "1015cj"). SQL that narrows records by postal code compares
// store.PostalKeySQL of the column with it.
func PostalKey(code string) string { return fold(code) }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// foldStreet writes every form of "Straße" ("strasse", "str.") as "str".
// Punctuation and spaces are already gone, so "Linden Straße 12",
// "Lindenstr. 12" and "Lindenstrasse 12" all become "lindenstr12".
func foldStreet(s string) string {
	for strings.Contains(s, "strasse") {
		s = strings.ReplaceAll(s, "strasse", "str")
	}
	return s
}

// foldVariants folds s twice, umlauts written "ae/oe/ue" and written "a/o/u",
// and returns one value if both are the same.
func foldVariants(s string) []string {
	ae, a := foldBoth(s)
	if ae == a {
		return []string{ae}
	}
	return []string{ae, a}
}

func fold(s string) string {
	ae, _ := foldBoth(s)
	return ae
}

// foldBoth lower-cases s, writes ß as ss, drops diacritics, spaces and
// punctuation, and keeps letters and digits. An umlaut (a, o, u with a
// diaeresis) becomes "ae" in the first result and "a" in the second.
func foldBoth(s string) (ae, a string) {
	// Text of Latin letters is folded rune by rune from a table (see latinFolds).
	// On the stack for names and streets of usual length; one string when there is no umlaut.
	var bufE, buf [64]byte
	withE, without := bufE[:0], buf[:0]
	for _, r := range s {
		if r >= latinFoldsEnd {
			return foldBothSlow(s)
		}
		f := &latinFolds[r]
		withE = append(withE, f.ae...)
		without = append(without, f.a...)
	}
	ae = string(withE)
	if string(without) == ae {
		return ae, ae
	}
	return ae, string(without)
}

// latinFoldsEnd bounds the runes of latinFolds: Basic Latin, Latin-1 Supplement, Latin
// Extended-A and -B. Their NFKD forms start with a letter, digit or space, never with a
// combining mark, so no rune's fold depends on its neighbours and a string of them folds
// to the concatenation of its runes' folds.
const latinFoldsEnd = 0x250

// latinFolds is foldBothSlow of every rune below latinFoldsEnd.
var latinFolds = func() (t [latinFoldsEnd]struct{ ae, a string }) {
	for r := range rune(latinFoldsEnd) {
		t[r].ae, t[r].a = foldBothSlow(string(r))
	}
	return t
}()

// foldBothSlow is foldBoth of any text.
func foldBothSlow(s string) (ae, a string) {
	// Lower-case before and after NFKD: compatibility forms such as "ᴬ"
	// decompose to capitals.
	s = norm.NFKD.String(strings.ToLower(s))
	var withE, without strings.Builder
	var prev rune
	for _, r := range s {
		r = unicode.ToLower(r)
		if r == '\u0308' && (prev == 'a' || prev == 'o' || prev == 'u') {
			withE.WriteByte('e')
			prev = 0
			continue
		}
		if unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc) {
			continue
		}
		prev = r
		if rep, ok := letterFolds[r]; ok {
			withE.WriteString(rep)
			without.WriteString(rep)
			continue
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			withE.WriteRune(r)
			without.WriteRune(r)
		}
	}
	return withE.String(), without.String()
}

// letterFolds spells letters that NFKD does not decompose.
var letterFolds = map[rune]string{
	'ß': "ss",
	'æ': "ae",
	'œ': "oe",
	'ø': "o",
	'ł': "l",
	'đ': "d",
	'ð': "d",
	'þ': "th",
	'ı': "i",
}

// FamilySpellings returns lower-case spellings of a family name whose records may have a
// name-and-address key in common with it: as written, its folds, and its folds with "ae",
// "oe", "ue" and "ss" written as umlauts and ß ("Mueller": "mueller", "müller"). A search
// for look-alikes asks for these, then compares the keys.
func FamilySpellings(family string) []string {
	lower := strings.ToLower(strings.TrimSpace(family))
	out := []string{lower}
	add := func(s string) {
		if s != "" && !contains(out, s) {
			out = append(out, s)
		}
	}
	back := strings.NewReplacer("ae", "ä", "oe", "ö", "ue", "ü", "ss", "ß")
	for _, v := range foldVariants(family) {
		add(v)
		add(back.Replace(v))
	}
	add(back.Replace(lower))
	return out
}
