package store

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vermerk/vermerk/server/internal/screening"
)

// The contacts table's sort_key and search_text are derived from the contact's fields by
// every writer (entry, update, merge, import); these functions are their one definition.

// SortKey is contacts.sort_key: family name, given name and organisation in the form names
// sort by (screening.AppendSortFold: lower case, "Ärger" with "Arger"), joined by spaces (an
// empty organisation leaves a trailing space). Keyset pagination orders by it and the id, byte
// by byte whatever the database's collation (the key is compared with COLLATE "C").
func SortKey(familyName, givenName, organization string) string {
	var b strings.Builder
	b.Grow(len(familyName) + len(givenName) + len(organization) + 2 + utf8.UTFMax)
	var stack [64]byte // a part is folded here and copied, so the key is the builder's one allocation
	for i, part := range [3]string{familyName, givenName, organization} {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.Write(screening.AppendSortFold(stack[:0], part))
	}
	return b.String()
}

// CursorSortKey is the sort key a cursor of the contact list holds, as SortKey writes it now:
// a cursor handed out before migration 00034 holds the key only lower-cased ("ärger test "),
// which would compare after every Latin name. The fold is rune by rune and leaves a key
// SortKey wrote as it is, so an old cursor goes on where its contact is now.
func CursorSortKey(key string) string {
	if isASCII(key) {
		return key
	}
	return string(screening.AppendSortFold(make([]byte, 0, len(key)), key))
}

// SearchText is contacts.search_text, what a search term is found in anywhere (trigram
// index): given name, family name, organisation and city, folded as names sort
// (screening.AppendSortFold: "Müller" as "muller") and joined by spaces, then each name of
// several words or with punctuation written once more without them ("o'brien obrien",
// "muller-testfrau mullertestfrau"), all followed, when the text has an umlaut, by the same
// written with an e ("erika muller koln erika mueller koeln"): so "Müller", "Muller" and
// "Mueller", "Erika Müller" and "Erika Mueller" all find Frau Müller (SearchFolds), and a name
// written without its separator ("OBrien", "MüllerTestfrau", as the name-and-address keys of
// screening fold it) finds the name written with one (store.LookAlikes asks for it so). pg_trgm
// indexes each word's trigrams once, so the words both forms share cost the index nothing.
// E-mails and phones are searched by prefix on their own indexes.
func SearchText(c screening.Contact) string {
	parts := [4]string{c.GivenName, c.FamilyName}
	n := 2
	if c.Organization != "" {
		parts[n], n = c.Organization, n+1
	}
	if c.Address != nil {
		parts[n], n = c.Address.City, n+1
	}
	size := n + 1 + len(c.GivenName) + len(c.FamilyName)
	ascii := true
	for _, p := range parts[:n] {
		size += len(p)
		ascii = ascii && isASCII(p)
	}
	var b strings.Builder
	if ascii { // most names: only lower-cased
		b.Grow(size)
	} else {
		b.Grow(2*size + 1 + 2*utf8.UTFMax)
	}
	writeSearchText(&b, parts[:n], false)
	if ascii {
		return b.String()
	}
	folded := b.Len()
	b.WriteByte(' ')
	writeSearchText(&b, parts[:n], true)
	text := b.String()
	if text[folded+1:] == text[:folded] { // no umlaut
		return text[:folded]
	}
	return text
}

// writeSearchText writes the parts (given name, family name, …) folded as names sort, umlauts
// written with an e if umlautE, joined by spaces, then the names (the first two parts) of
// several words without their separators (appendJoined).
func writeSearchText(b *strings.Builder, parts []string, umlautE bool) {
	var stack [64]byte // a part is folded here and copied, so the text is the builder's one allocation
	var names [64]byte
	joined := names[:0]
	for i, p := range parts {
		if i > 0 {
			b.WriteByte(' ')
		}
		var f []byte
		if umlautE {
			f = screening.AppendUmlautFold(stack[:0], p)
		} else {
			f = screening.AppendSortFold(stack[:0], p)
		}
		b.Write(f)
		if i < 2 {
			joined = appendJoined(joined, f)
		}
	}
	b.Write(joined)
}

// appendJoined appends to dst a space and the folded name f without what is not a letter or
// digit in it, when f has such a separator and a letter or digit ("o'brien": " obrien").
func appendJoined(dst, f []byte) []byte {
	whole := true
	for i := 0; i < len(f) && whole; {
		r, w := rune(f[i]), 1
		if r >= utf8.RuneSelf {
			r, w = utf8.DecodeRune(f[i:])
		}
		whole, i = isLetterOrDigit(r), i+w
	}
	if whole {
		return dst
	}
	at := len(dst)
	dst = append(dst, ' ')
	for i := 0; i < len(f); {
		r, w := rune(f[i]), 1
		if r >= utf8.RuneSelf {
			r, w = utf8.DecodeRune(f[i:])
		}
		if isLetterOrDigit(r) {
			dst = append(dst, f[i:i+w]...)
		}
		i += w
	}
	if len(dst) == at+1 {
		return dst[:at]
	}
	return dst
}

func isLetterOrDigit(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || 'A' <= r && r <= 'Z'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// SearchFolds returns the forms of a search term that SearchText is searched for: the term
// folded as names sort, and, when it has an umlaut, written with an e ("Müller": "muller" and
// "mueller", so that it finds a Mueller too). An empty term has none, nor one of which nothing
// is left folded (an emoji, a dash), which would otherwise find every contact.
func SearchFolds(term string) []string {
	term = strings.TrimSpace(term)
	a := string(screening.AppendSortFold(nil, term))
	if a == "" {
		return nil
	}
	if isASCII(term) {
		return []string{a}
	}
	if e := string(screening.AppendUmlautFold(nil, term)); e != a {
		return []string{a, e}
	}
	return []string{a}
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// PostalKeySQL is the SQL of screening.PostalKey of a postal code column: lower-case, only its
// letters and digits (a stored postal code holds nothing else but spaces and dashes).
func PostalKeySQL(column string) string {
	return `regexp_replace(lower(` + column + `), '[^a-z0-9]', '', 'g')`
}
