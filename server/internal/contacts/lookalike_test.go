package contacts_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// Two records of one person at one address, the name written with umlauts in one and without
// in the other, are look-alikes (possibleDuplicates) both ways, also when the family name has
// a hyphen or a space. The candidates are read by the search text's trigram index, whose texts
// are folded ("müller-lüdenscheidt" is stored as "muller-ludenscheidt"), so the spellings asked
// for must be folded the same way.
func TestLookAlikesWithUmlautsInNamesOfSeveralWords(t *testing.T) {
	s := apptest.Start(t)
	for i, pair := range [][2]string{
		{"Müller", "Mueller"},
		{"Müller", "Muller"},
		{"Weiß", "Weiss"},
		{"Müller-Lüdenscheidt", "Mueller-Luedenscheidt"},
		{"von Bülow", "von Buelow"},
		{"von Bülow", "von Bulow"},
		{"Groß-Öhring", "Gross-Oehring"},
	} {
		postal := fmt.Sprintf("%05d", 10115+i)
		address := map[string]any{"street": "Hauptstraße 1", "postalCode": postal, "city": "Berlin"}
		a := create(t, s, map[string]any{"givenName": "Jürgen", "familyName": pair[0], "address": address})
		b := create(t, s, map[string]any{"givenName": "Juergen", "familyName": pair[1], "address": address})
		for _, c := range [][2]string{{a, b}, {b, a}} {
			var q struct {
				Contact struct{ PossibleDuplicates []struct{ ID string } }
			}
			s.MustAdmin(t, &q, `query($id: ID!) { contact(id: $id) { possibleDuplicates { id } } }`, map[string]any{"id": c[0]})
			if !slices.ContainsFunc(q.Contact.PossibleDuplicates, func(d struct{ ID string }) bool { return d.ID == c[1] }) {
				t.Errorf("%q and %q at one address: possibleDuplicates of %s = %v, want %s", pair[0], pair[1], c[0], q.Contact.PossibleDuplicates, c[1])
			}
		}
	}
}

// A postal code is one however it is spaced or cased ("1015 CJ", "1015cj"), as the
// name-and-address match of screening folds it: two records of Jan de Vries at one Dutch
// address are look-alikes both ways, as the blacklist would match the one by the other.
func TestLookAlikesWithAPostalCodeWrittenTwoWays(t *testing.T) {
	s := apptest.Start(t)
	a := create(t, s, map[string]any{"givenName": "Jan", "familyName": "de Vries",
		"address": map[string]any{"street": "Keizersgracht 12", "postalCode": "1015 CJ", "city": "Amsterdam", "country": "NL"}})
	b := create(t, s, map[string]any{"givenName": "Jan", "familyName": "de Vries",
		"address": map[string]any{"street": "Keizersgracht 12", "postalCode": "1015cj", "city": "Amsterdam", "country": "Niederlande"}})
	for _, c := range [][2]string{{a, b}, {b, a}} {
		var q struct {
			Contact struct{ PossibleDuplicates []struct{ ID string } }
		}
		s.MustAdmin(t, &q, `query($id: ID!) { contact(id: $id) { possibleDuplicates { id } } }`, map[string]any{"id": c[0]})
		if !slices.ContainsFunc(q.Contact.PossibleDuplicates, func(d struct{ ID string }) bool { return d.ID == c[1] }) {
			t.Errorf("postal codes 1015 CJ and 1015cj at one address: possibleDuplicates of %s = %v, want %s", c[0], q.Contact.PossibleDuplicates, c[1])
		}
	}
}
