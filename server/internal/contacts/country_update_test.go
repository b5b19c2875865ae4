package contacts_test

import (
	"slices"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

const updateAddress = `mutation($id: ID!, $in: ContactInput!) { updateContact(id: $id, input: $in) {
	contact { phones address { street postalCode city country } } screening { blocked matches { field } } } }`

type addressUpdated struct {
	UpdateContact struct {
		Contact *struct {
			Phones  []string
			Address *struct{ Street, PostalCode, City, Country string }
		}
		Screening struct {
			Blocked bool
			Matches []struct{ Field string }
		}
	}
}

// An integrator that updates an Austrian address with street, postal code and city only (its
// form has no country field) keeps her address Austrian: an address without country in an
// update keeps the stored address's country, and her phones, typed as she says them, are read
// in Austria — on the record and in the update's screening. A country given changes it.
func TestAnUpdatedAddressWithoutCountryKeepsTheStoredOne(t *testing.T) {
	s := apptest.Start(t)
	var c struct {
		CreateContact struct {
			Contact struct {
				ID     string
				Phones []string
			}
		}
	}
	s.MustAdmin(t, &c, `mutation { createContact(input: {givenName: "Anna", familyName: "Probegasser", phones: ["01 5550123"],
		address: {street: "Probegasse 1", postalCode: "1010", city: "Wien", country: "AT"}}) { contact { id phones } } }`, nil)
	id, phones := c.CreateContact.Contact.ID, c.CreateContact.Contact.Phones
	if len(phones) != 1 || phones[0][:3] != "+43" {
		t.Fatalf("created with an Austrian address and phone: phones %v, want one +43 number", phones)
	}

	var moved addressUpdated
	s.MustAdmin(t, &moved, updateAddress, map[string]any{"id": id,
		"in": map[string]any{"address": map[string]any{"street": "Probegasse 7", "postalCode": "1010", "city": "Wien"}}})
	if a := moved.UpdateContact.Contact; a == nil || a.Address == nil || a.Address.Country != "AT" || !slices.Equal(a.Phones, phones) {
		t.Errorf("the address updated without a country: %+v; want country AT and phones %v unchanged", a, phones)
	}

	// a national number typed with it is read in the kept country, by the screening too
	s.MustAdmin(t, &struct{}{}, `mutation { blacklistAdd(candidate: {phones: ["+43 1 5550124"]}, reason: "asked to be erased, ticket 4722") { id } }`, nil)
	var screened addressUpdated
	s.MustAdmin(t, &screened, updateAddress, map[string]any{"id": id, "in": map[string]any{"phones": []string{"01 5550124"},
		"address": map[string]any{"street": "Probegasse 7", "postalCode": "1010", "city": "Wien"}}})
	if u := screened.UpdateContact; u.Contact != nil || !u.Screening.Blocked || len(u.Screening.Matches) != 1 || u.Screening.Matches[0].Field != "PHONE" {
		t.Errorf("the address updated without a country, with the Austrian number of an entry typed nationally: %+v; want refused, a PHONE match", u)
	}

	var german addressUpdated
	s.MustAdmin(t, &german, updateAddress, map[string]any{"id": id,
		"in": map[string]any{"address": map[string]any{"street": "Probestraße 7", "postalCode": "10115", "city": "Berlin", "country": "DE"}}})
	if a := german.UpdateContact.Contact; a == nil || a.Address == nil || a.Address.Country != "DE" || !slices.Equal(a.Phones, phones) {
		t.Errorf("the address updated with country DE: %+v; want country DE, phones %v kept", a, phones)
	}
}
