package contacts_test

import (
	"slices"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// Three records of Erika Testfrau: marketing's (her e-mail), the shop's (her e-mail with a
// +tag and her phone), sales' (her phone written nationally). Her "no" on marketing's record
// reaches sales' record, and her erasure takes it, through the shop's: they are one person. So
// possibleDuplicates of marketing's record lists sales' record too, not only the records that
// share an identifier with it directly — the one staff would merge.
func TestPossibleDuplicatesListTheWholePerson(t *testing.T) {
	s := apptest.Start(t)
	marketing := create(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau", "emails": []string{"erika.testfrau@example.test"}})
	shop := create(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau", "emails": []string{"Erika.Testfrau+shop@example.test"}, "phones": []string{"+49 30 1234567"}})
	sales := create(t, s, map[string]any{"givenName": "E.", "familyName": "Testfrau", "phones": []string{"030/123 45-67"}})
	var pre struct {
		ErasurePreview struct{ SameIdentifiers []struct{ ID string } }
	}
	s.MustAdmin(t, &pre, `query($id: ID!) { erasurePreview(id: $id) { sameIdentifiers { id } } }`, map[string]any{"id": marketing})
	for _, c := range [][]string{{marketing, shop, sales}, {sales, marketing, shop}, {shop, marketing, sales}} {
		var q struct {
			Contact struct{ PossibleDuplicates []struct{ ID string } }
		}
		s.MustAdmin(t, &q, `query($id: ID!) { contact(id: $id) { possibleDuplicates { id } } }`, map[string]any{"id": c[0]})
		var got []string
		for _, d := range q.Contact.PossibleDuplicates {
			got = append(got, d.ID)
		}
		slices.Sort(got)
		if want := sorted(c[1], c[2]); !slices.Equal(got, want) {
			t.Errorf("possibleDuplicates of %s = %v, want %v (erasurePreview of marketing's record takes %+v)", c[0], got, want, pre.ErasurePreview.SameIdentifiers)
		}
	}
}

// A page of contacts asks possibleDuplicates of all of them at once (the per-request loader,
// store.PersonsOrRecords: one statement per step of the search of every person, not a search
// per contact); each contact's answer is the one it gets asked alone.
func TestPossibleDuplicatesOfAPageAreThoseOfEachContact(t *testing.T) {
	s := apptest.Start(t)
	address := map[string]any{"street": "Lindenstraße 12", "postalCode": "10115", "city": "Teststadt"}
	create(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau", "emails": []string{"erika.testfrau@example.test"}})
	create(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau", "emails": []string{"erika.testfrau@example.test"}, "phones": []string{"+49 30 5550301"}})
	create(t, s, map[string]any{"givenName": "E.", "familyName": "Testfrau", "phones": []string{"030 5550301"}, "address": address})
	create(t, s, map[string]any{"givenName": "E.", "familyName": "Testfrau", "address": address})
	create(t, s, map[string]any{"givenName": "Hans", "familyName": "Testmann", "phones": []string{"+49 30 5550302"}})
	create(t, s, map[string]any{"givenName": "Hanna", "familyName": "Testmann", "phones": []string{"+49 30 5550302"}})
	create(t, s, map[string]any{"givenName": "Otto", "familyName": "Einzeltest"})
	var page struct {
		Contacts struct {
			Edges []struct {
				Node struct {
					ID                 string
					PossibleDuplicates []struct{ ID string }
				}
			}
		}
	}
	s.MustAdmin(t, &page, `{ contacts(first: 50) { edges { node { id possibleDuplicates { id } } } } }`, nil)
	if len(page.Contacts.Edges) != 7 {
		t.Fatalf("%d contacts, want 7", len(page.Contacts.Edges))
	}
	for _, e := range page.Contacts.Edges {
		var one struct {
			Contact struct{ PossibleDuplicates []struct{ ID string } }
		}
		s.MustAdmin(t, &one, `query($id: ID!) { contact(id: $id) { possibleDuplicates { id } } }`, map[string]any{"id": e.Node.ID})
		if !slices.Equal(one.Contact.PossibleDuplicates, e.Node.PossibleDuplicates) {
			t.Errorf("possibleDuplicates of %s: %v in the page, %v asked alone", e.Node.ID, e.Node.PossibleDuplicates, one.Contact.PossibleDuplicates)
		}
	}
}
