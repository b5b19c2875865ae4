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
	b := make([]byte, 0, len(familyName)+len(givenName)+len(organization)+2+utf8.UTFMax)
	b = screening.AppendSortFold(b, familyName)
	b = append(b, ' ')
	b = screening.AppendSortFold(b, givenName)
	b = append(b, ' ')
	b = screening.AppendSortFold(b, organization)
	return string(b)
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
// (screening.AppendSortFold: "Müller" as "muller") and joined by spaces, followed by the words
// an umlaut changes written with an e ("mueller"): so "Müller", "Muller" and "Mueller" all find
// Frau Müller (SearchFolds). E-mails and phones are searched by prefix on their own indexes.
func SearchText(c screening.Contact) string {
	parts := make([]string, 2, 4)
	parts[0], parts[1] = c.GivenName, c.FamilyName
	if c.Organization != "" {
		parts = append(parts, c.Organization)
	}
	if c.Address != nil {
		parts = append(parts, c.Address.City)
	}
	text := lowerJoin(parts...)
	if isASCII(text) {
		return text
	}
	a := screening.AppendSortFold(make([]byte, 0, len(text)+8), text)
	e := screening.AppendUmlautFold(nil, text)
	if string(a) == string(e) {
		return string(a)
	}
	// The two folds have the same words (they differ only in an e after an umlaut's letter).
	words := strings.Split(string(a), " ")
	for i, w := range strings.Split(string(e), " ") {
		if i >= len(words) || w != words[i] {
			a = append(append(a, ' '), w...)
		}
	}
	return string(a)
}

// SearchFolds returns the forms of a search term that SearchText's words are compared with:
// the term folded as names sort, and, when it has an umlaut, written with an e ("Müller":
// "muller" and "mueller", so that it finds a Mueller too). An empty term has none.
func SearchFolds(term string) []string {
	term = strings.TrimSpace(term)
	if term == "" {
		return nil
	}
	a := string(screening.AppendSortFold(nil, term))
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

// lowerJoin is strings.ToLower(strings.Join(parts, " ")) in one pass and one allocation:
// ASCII bytes are lowered in place, other runes by unicode.ToLower as strings.ToLower does
// (an invalid byte becomes U+FFFD there too). Most names are ASCII, but many German ones are
// not, and starting over with strings.ToLower for those cost a tenth of preparing a row.
func lowerJoin(parts ...string) string {
	n := len(parts) - 1
	for _, p := range parts {
		n += len(p)
	}
	var b strings.Builder
	b.Grow(n + utf8.UTFMax)
	for i, p := range parts {
		if i > 0 {
			b.WriteByte(' ')
		}
		for j := 0; j < len(p); {
			c := p[j]
			if c < utf8.RuneSelf {
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				b.WriteByte(c)
				j++
				continue
			}
			r, w := utf8.DecodeRuneInString(p[j:])
			b.WriteRune(unicode.ToLower(r))
			j += w
		}
	}
	return b.String()
}
