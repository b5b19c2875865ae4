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

// lookAlikesBothWays asks possibleDuplicates and erasurePreview of id which records look like
// her (name-and-address key), as staff and the admin see them.
func lookAlikesBothWays(t *testing.T, s *apptest.Server, id string) (duplicates, previewed []string) {
	t.Helper()
	var q struct {
		Contact struct {
			PossibleDuplicates []struct{ ID string }
		}
		ErasurePreview struct{ LookAlikes []struct{ ID string } }
	}
	s.MustAdmin(t, &q, `query($id: ID!) { contact(id: $id) { possibleDuplicates { id } }
		erasurePreview(id: $id) { lookAlikes { id } } }`, map[string]any{"id": id})
	for _, d := range q.Contact.PossibleDuplicates {
		duplicates = append(duplicates, d.ID)
	}
	for _, d := range q.ErasurePreview.LookAlikes {
		previewed = append(previewed, d.ID)
	}
	return duplicates, previewed
}

// Which records look like a person is one rule (store.LookAlikes), asked by possibleDuplicates
// (to merge) and by erasurePreview (what her erasure leaves, as someone else): each pair at one
// address is a look-alike of the other in both. Before, each query had a rule of its own, and
// they disagreed: the preview compared postal codes as written ("1015 CJ" is not "1015cj"),
// possibleDuplicates found nobody with a family name of two letters and missed a double name
// written once with a hyphen and once with a space.
func TestLookAlikesAreOneRuleForDuplicatesAndErasurePreview(t *testing.T) {
	s := apptest.Start(t)
	for _, tc := range []struct {
		name                      string
		a, b                      map[string]any // given and family name
		streetA, streetB          string
		postalA, postalB, country string
	}{
		{"postal code written two ways", map[string]any{"givenName": "Jan", "familyName": "de Testvries"}, map[string]any{"givenName": "Jan", "familyName": "de Testvries"},
			"Keizersgracht 12", "Keizersgracht 12", "1015 CJ", "1015cj", "NL"},
		{"family name of two letters", map[string]any{"givenName": "Mei", "familyName": "Li"}, map[string]any{"givenName": "Mei", "familyName": "Li"},
			"Teststraße 3", "Teststr. 3", "10117", "10117", "DE"},
		{"double name with a hyphen and with a space", map[string]any{"givenName": "Erika", "familyName": "Müller-Testfrau"}, map[string]any{"givenName": "Erika", "familyName": "Müller Testfrau"},
			"Lindenstraße 12", "Lindenstr. 12", "10119", "10119", "DE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.a["address"] = map[string]any{"street": tc.streetA, "postalCode": tc.postalA, "city": "Teststadt", "country": tc.country}
			tc.b["address"] = map[string]any{"street": tc.streetB, "postalCode": tc.postalB, "city": "Teststadt", "country": tc.country}
			a, b := create(t, s, tc.a), create(t, s, tc.b)
			for _, c := range [][2]string{{a, b}, {b, a}} {
				dups, alikes := lookAlikesBothWays(t, s, c[0])
				if !slices.Contains(dups, c[1]) || !slices.Equal(alikes, []string{c[1]}) {
					t.Errorf("look-alikes of %s: possibleDuplicates %v, erasurePreview %v; want %s in both", c[0], dups, alikes, c[1])
				}
			}
		})
	}
}

// Her erasure takes every record of hers, so what the preview shows as looking like her is
// what looks like any of them: marketing's record of Erika Testfrau has her e-mail and no
// address, sales' record has the e-mail and her address, and the front desk's record has her
// name and address and nothing else. The front desk's record looks like her second record, so
// the preview of her first shows it (it stays, as someone else's, unless she is the same), and
// possibleDuplicates of her first lists it, as it lists her second.
func TestErasurePreviewShowsTheLookAlikesOfEveryRecordOfThePerson(t *testing.T) {
	s := apptest.Start(t)
	marketing := create(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau", "emails": []string{"erika.testfrau@example.test"}})
	sales := create(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau", "emails": []string{"erika.testfrau@example.test"},
		"address": map[string]any{"street": "Lindenstraße 12", "postalCode": "10115", "city": "Teststadt"}})
	desk := create(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
		"address": map[string]any{"street": "Lindenstr. 12", "postalCode": "10115", "city": "Teststadt"}})
	var q struct {
		ErasurePreview struct{ SameIdentifiers, LookAlikes []struct{ ID string } }
	}
	s.MustAdmin(t, &q, `query($id: ID!) { erasurePreview(id: $id) { sameIdentifiers { id } lookAlikes { id } } }`, map[string]any{"id": marketing})
	var same, alikes []string
	for _, c := range q.ErasurePreview.SameIdentifiers {
		same = append(same, c.ID)
	}
	for _, c := range q.ErasurePreview.LookAlikes {
		alikes = append(alikes, c.ID)
	}
	if !slices.Equal(same, []string{sales}) || !slices.Equal(alikes, []string{desk}) {
		t.Errorf("erasurePreview of marketing's record: sameIdentifiers %v, lookAlikes %v; want [%s] (sales) and [%s] (front desk)", same, alikes, sales, desk)
	}
	if dups, _ := lookAlikesBothWays(t, s, marketing); !slices.Equal(sorted(dups...), sorted(sales, desk)) {
		t.Errorf("possibleDuplicates of marketing's record = %v, want sales' %s and the front desk's %s", dups, sales, desk)
	}
}

// A name written once without its separator ("OBrien", "MüllerTestfrau") and once with one
// ("O'Brien", "Müller-Testfrau", "Müller Testfrau") is one name-and-address key, and each record
// is a look-alike of the other, both ways, in possibleDuplicates and erasurePreview. Before,
// the record written without the separator found nobody: its spelling ("obrien") is not in the
// other record's search text ("o'brien"), whose trigram index found the candidates.
func TestLookAlikesWithANameWrittenWithAndWithoutItsSeparator(t *testing.T) {
	s := apptest.Start(t)
	for i, tc := range []struct{ givenA, familyA, givenB, familyB string }{
		{"Erika", "O'Brien", "Erika", "OBrien"},
		{"Erika", "Müller-Testfrau", "Erika", "MüllerTestfrau"},
		{"Erika", "Müller Testfrau", "Erika", "MüllerTestfrau"},
		{"Erika", "Müller-Testfrau", "Erika", "MuellerTestfrau"},
		{"Erika", "Mueller Testfrau", "Erika", "MüllerTestfrau"},
		{"Erika", "von der Testheide", "Erika", "VonderTestheide"},
		// a family name with no trigram is looked for by the given name
		{"Jean-Testluc", "Li", "JeanTestluc", "Li"},
	} {
		t.Run(tc.familyA+"/"+tc.familyB, func(t *testing.T) {
			postal := fmt.Sprintf("%05d", 20115+i)
			a := create(t, s, map[string]any{"givenName": tc.givenA, "familyName": tc.familyA,
				"address": map[string]any{"street": "Teststraße 7", "postalCode": postal, "city": "Teststadt"}})
			b := create(t, s, map[string]any{"givenName": tc.givenB, "familyName": tc.familyB,
				"address": map[string]any{"street": "Teststr. 7", "postalCode": postal, "city": "Teststadt"}})
			for _, c := range [][3]string{{a, b, tc.familyA}, {b, a, tc.familyB}} {
				dups, alikes := lookAlikesBothWays(t, s, c[0])
				if !slices.Equal(dups, []string{c[1]}) || !slices.Equal(alikes, []string{c[1]}) {
					t.Errorf("look-alikes of %q's record %s: possibleDuplicates %v, erasurePreview %v; want [%s] in both", c[2], c[0], dups, alikes, c[1])
				}
			}
		})
	}
}
