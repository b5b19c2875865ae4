package store

import (
	"strings"
	"testing"

	"github.com/vermerk/vermerk/server/internal/screening"
)

// A search term finds a contact when one of its SearchFolds is in the contact's SearchText
// (search.go's LIKE ANY): the names of many languages, however they are typed.
func TestSearchFoldsFindNamesHoweverTyped(t *testing.T) {
	found := func(term string, c screening.Contact) bool {
		text := SearchText(c)
		for _, f := range SearchFolds(term) {
			if strings.Contains(text, f) {
				return true
			}
		}
		return false
	}
	person := func(given, family string) screening.Contact {
		return screening.Contact{GivenName: given, FamilyName: family, Address: &screening.Address{City: "Köln"}}
	}
	for _, c := range []struct {
		term, given, family string
		want                bool
	}{
		{"Erika Mueller", "Erika", "Müller", true}, // the whole name, typed without umlauts
		{"erika muller", "Erika", "Müller", true},
		{"Erika Müller", "Erika", "Mueller", true},
		{"mueller koeln", "Erika", "Müller", true},
		{"Jürgen Groß", "Juergen", "Gross", true},
		{"ΣΊΣΥΦΟΣ", "Ανδρέας", "Σίσυφος", true}, // capitals have no final sigma
		{"σίσυφος", "Ανδρέας", "ΣΊΣΥΦΟΣ", true},
		{"istanbul", "Ayşe", "İstanbullu", true},
		{"ISTANBUL", "Ayşe", "İstanbullu", true},
		{"Işık", "Ayşe", "Isik", true},
		{"Oberg", "Åsa", "Øberg", true},
		{"aebelo", "Åsa", "Æbelø", true},
		{"Lodz", "Łukasz", "Łódź", true},
		{"Nguyen Thi", "Thị Ánh", "Nguyễn", false}, // given name first in the text: "thi anh nguyen"
		{"thi anh nguyen", "Thị Ánh", "Nguyễn", true},
		{"Ｍüller", "Erika", "Müller", true}, // full-width
		{"fischer", "Erika", "ﬁscher", true},
		{"ﬁscher", "Erika", "Fischer", true},
		{"😀", "Erika", "Müller", false}, // nothing of a name: finds no one, not everyone
		{"·", "Erika", "Müller", false},
		{"–", "Erika", "Müller", false},
	} {
		if got := found(c.term, person(c.given, c.family)); got != c.want {
			t.Errorf("%q finds %s %s: %t, want %t (folds %q, text %q)", c.term, c.given, c.family, got, c.want,
				SearchFolds(c.term), SearchText(person(c.given, c.family)))
		}
	}
}
