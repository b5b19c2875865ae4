package contacts

import (
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/screening"
)

// fields is a validated, normalised contact as it is written (screening.Validate).
type fields = screening.Contact

// candidate is what screening needs of the fields.
func candidate(f fields) screening.Candidate {
	c := screening.Candidate{GivenName: f.GivenName, FamilyName: f.FamilyName, Organization: f.Organization, Phones: f.Phones}
	for _, e := range f.Emails {
		c.Emails = append(c.Emails, e.Address)
	}
	if a := f.Address; a != nil {
		c.Street, c.PostalCode, c.City, c.Country = a.Street, a.PostalCode, a.City, a.Country
	}
	return c
}

// fromContact turns a stored contact back into the input an update is applied to.
func fromContact(c *model.Contact) screening.ContactInput {
	in := screening.ContactInput{GivenName: c.GivenName, FamilyName: c.FamilyName, Emails: c.Emails, Phones: c.Phones}
	if c.Organization != nil {
		in.Organization = *c.Organization
	}
	if a := c.Address; a != nil {
		in.Address = &screening.AddressInput{Street: a.Street, PostalCode: a.PostalCode, City: a.City, Country: a.Country}
	}
	return in
}

// apply writes what in sets over base (nil input fields keep base's value; an address given
// without country keeps base's country) and validates the result with the one reading of a
// contact, so a national phone number is read in the region of the contact's address, whether
// the address is set now or was before. Every problem is
// reported, each with its field path under "input.".
func apply(base screening.ContactInput, in model.ContactInput) (fields, error) {
	if in.GivenName != nil {
		base.GivenName = *in.GivenName
	}
	if in.FamilyName != nil {
		base.FamilyName = *in.FamilyName
	}
	if in.Organization != nil {
		base.Organization = *in.Organization
	}
	if in.Emails != nil {
		base.Emails = in.Emails
	}
	if in.Phones != nil {
		base.Phones = in.Phones
	}
	if a := in.Address; a != nil {
		// An address without country keeps the stored one's (an integrator's form without a
		// country field must not make an Austrian address German); none stored: DE.
		country := ""
		if base.Address != nil {
			country = base.Address.Country
		}
		if a.Country != nil {
			country = *a.Country
		}
		base.Address = &screening.AddressInput{Street: a.Street, PostalCode: a.PostalCode, City: a.City, Country: country}
	}
	f, errs := screening.Validate(base)
	return f, screening.BadInput("input.", errs)
}
