package screening

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// AppendSortFold appends s in the form names sort and are searched by, dictionary order
// (DIN 5007-1): lower case, a Latin letter with a diacritic as its base letter ("Ärger" with
// "Arger", "Özdemir" with "Ozdemir", "Łukasz" with "Lukasz"), ß as ss, æ as ae. ASCII is only
// lower-cased, so the spaces, hyphens and dots of a name stay; other letters (Greek, Cyrillic,
// …) are lower-cased and sort after Latin ones, as they do byte by byte. Without it, a
// database in the C collation (the embedded one) put every name starting with an umlaut after Z.
func AppendSortFold(dst []byte, s string) []byte { return appendFold(dst, s, false) }

// AppendUmlautFold is AppendSortFold with an umlaut written as its letter and e ("Müller" as
// "mueller"), as the name is spelt where umlauts cannot be typed.
func AppendUmlautFold(dst []byte, s string) []byte { return appendFold(dst, s, true) }

func appendFold(dst []byte, s string, umlautE bool) []byte {
	// base is the last ASCII letter, which a combining diaeresis after it (a name typed or
	// imported decomposed, NFD: "u\u0308") makes an umlaut, as NameAddressKeys reads it.
	var base byte
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			base = c
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		i += w
		if r < latinFoldsEnd {
			if umlautE {
				dst = append(dst, latinFolds[r].ae...)
			} else {
				dst = append(dst, latinFolds[r].a...)
			}
			base = 0
			continue
		}
		if r == '\u0308' && (base == 'a' || base == 'o' || base == 'u') {
			if umlautE {
				dst = append(dst, 'e')
			}
			base = 0
			continue
		}
		if !unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc) {
			base = 0 // a mark between the letter and the diaeresis leaves it an umlaut
		}
		ae, a := foldBothSlow(string(r))
		if umlautE {
			a = ae
		}
		if strings.Contains(a, "ς") { // final sigma: a capital Σ is lower-cased to σ wherever it stands
			a = strings.ReplaceAll(a, "ς", "σ")
		}
		dst = append(dst, a...)
	}
	return dst
}
