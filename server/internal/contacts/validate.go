package contacts

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/screening"
)

const maxText = 200 // characters of a name, organisation or address line

// fields is a validated, normalised contact as it is written.
type fields struct {
	GivenName, FamilyName string
	Organization          *string
	Emails                []email
	Phones                []string // E.164
	Address               *model.PostalAddress
}

type email struct{ Address, Normalized string }

// candidate is what screening needs of the fields.
func (f fields) candidate() screening.Candidate {
	c := screening.Candidate{GivenName: f.GivenName, FamilyName: f.FamilyName}
	if f.Organization != nil {
		c.Organization = *f.Organization
	}
	for _, e := range f.Emails {
		c.Emails = append(c.Emails, e.Address)
	}
	c.Phones = append(c.Phones, f.Phones...)
	if a := f.Address; a != nil {
		c.Street, c.PostalCode, c.City, c.Country = a.Street, a.PostalCode, a.City, a.Country
	}
	return c
}

// fromContact turns a stored contact back into fields, the base an update is applied to.
func fromContact(c *model.Contact) (fields, error) {
	f := fields{GivenName: c.GivenName, FamilyName: c.FamilyName, Organization: c.Organization, Address: c.Address, Phones: c.Phones}
	for _, a := range c.Emails {
		n, err := screening.NormalizeEmail(a)
		if err != nil {
			return f, fmt.Errorf("stored e-mail no longer normalises: %w", err)
		}
		f.Emails = append(f.Emails, email{Address: a, Normalized: n})
	}
	return f, nil
}

// apply validates in and writes what it sets over base (nil input fields keep base's value).
// Every problem is reported, each with its field path.
func apply(base fields, in model.ContactInput) (fields, error) {
	f := base
	var errs apperr.List
	text := func(field string, v *string) string {
		s := strings.TrimSpace(*v)
		if utf8.RuneCountInString(s) > maxText {
			errs = append(errs, apperr.Invalid(field, "%s is longer than %d characters", field, maxText))
		}
		return s
	}
	if in.GivenName != nil {
		f.GivenName = text("input.givenName", in.GivenName)
	}
	if in.FamilyName != nil {
		f.FamilyName = text("input.familyName", in.FamilyName)
	}
	if in.Organization != nil {
		if o := text("input.organization", in.Organization); o != "" {
			f.Organization = &o
		} else {
			f.Organization = nil
		}
	}
	if in.Emails != nil {
		f.Emails = nil
		seen := map[string]bool{}
		for i, raw := range in.Emails {
			field := fmt.Sprintf("input.emails[%d]", i)
			addr, err := screening.CanonicalEmail(raw)
			if err != nil {
				errs = append(errs, apperr.Invalid(field, "%s", err.Error()))
				continue
			}
			norm, err := screening.NormalizeEmail(raw)
			if err != nil {
				errs = append(errs, apperr.Invalid(field, "%s", err.Error()))
				continue
			}
			if seen[norm] {
				continue // the same address twice (perhaps spelled differently) is kept once
			}
			seen[norm] = true
			f.Emails = append(f.Emails, email{Address: addr, Normalized: norm})
		}
	}
	if in.Phones != nil {
		f.Phones = nil
		seen := map[string]bool{}
		for i, raw := range in.Phones {
			e164, err := screening.NormalizePhone(raw, "DE")
			if err != nil {
				errs = append(errs, apperr.Invalid(fmt.Sprintf("input.phones[%d]", i), "%s", err.Error()))
				continue
			}
			if !seen[e164] {
				seen[e164] = true
				f.Phones = append(f.Phones, e164)
			}
		}
	}
	if in.Address != nil {
		a := in.Address
		addr := &model.PostalAddress{
			Street:     text("input.address.street", &a.Street),
			PostalCode: text("input.address.postalCode", &a.PostalCode),
			City:       text("input.address.city", &a.City),
		}
		country := ""
		if a.Country != nil {
			country = *a.Country
		}
		if c, err := screening.NormalizeCountry(country); err != nil {
			errs = append(errs, apperr.Invalid("input.address.country", "%s", err.Error()))
		} else {
			addr.Country = c
		}
		if addr.Street == "" {
			errs = append(errs, apperr.Invalid("input.address.street", "street is empty; give street and house number, or leave out the address"))
		}
		if addr.City == "" {
			errs = append(errs, apperr.Invalid("input.address.city", "city is empty"))
		}
		if addr.Country != "" {
			if err := screening.ValidatePostalCode(addr.PostalCode, addr.Country); err != nil {
				errs = append(errs, apperr.Invalid("input.address.postalCode", "%s", err.Error()))
			}
		}
		f.Address = addr
	}
	if f.FamilyName == "" && f.Organization == nil {
		errs = append(errs, apperr.Invalid("input.familyName", "a contact needs a family name or an organisation"))
	}
	return f, errs.Err()
}
