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

// SearchText is contacts.search_text, what a search term is found in anywhere (trigram
// index): given name, family name, organisation and city, lower-cased and joined by spaces.
// E-mails and phones are searched by prefix on their own indexes.
func SearchText(c screening.Contact) string {
	parts := make([]string, 2, 4)
	parts[0], parts[1] = c.GivenName, c.FamilyName
	if c.Organization != "" {
		parts = append(parts, c.Organization)
	}
	if c.Address != nil {
		parts = append(parts, c.Address.City)
	}
	return lowerJoin(parts...)
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
