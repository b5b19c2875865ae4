package screening

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/vermerk/vermerk/graph/apperr"
)

// MaxText bounds a name, organisation or address line, in characters.
const MaxText = 200

// MaxIdentifiers bounds the e-mails and the phones of one contact, so that one screen stays
// one small indexed lookup.
const MaxIdentifiers = 50

// ContactInput is a contact as typed: by staff (createContact, updateContact), by an
// integrator (screen) or in a row of an import file.
type ContactInput struct {
	GivenName, FamilyName, Organization string
	Emails, Phones                      []string
	Address                             *AddressInput // nil: no address
}

// AddressInput is a postal address as typed; an empty Country means DefaultCountry.
type AddressInput struct{ Street, PostalCode, City, Country string }

// Contact is a ContactInput read by NormalizeContact: what is stored, screened and hashed.
type Contact struct {
	GivenName, FamilyName string
	Organization          string // "" when none
	Emails                []Email
	Phones                []string // E.164
	Address               *Address
}

// Email is an e-mail as stored (CanonicalEmail) and as matched (NormalizeEmail).
type Email struct{ Address, Normalized string }

// Address is a postal address with its country as an ISO 3166-1 alpha-2 code.
type Address struct{ Street, PostalCode, City, Country string }

// NormalizeContact is the one reading of a contact, the same on every way in: texts trimmed
// and at most MaxText characters, each e-mail canonical and normalised, each phone in E.164
// read in the region of the address's country (else DefaultCountry), the country as its ISO
// code, a postal code in its country's form. An identifier given twice (perhaps spelled
// differently) is kept once. Every problem is reported, each with its field path
// ("emails[1]", "address.postalCode") and reason; a contact with problems is not to be
// written. What a contact to be stored needs besides is Complete's.
func NormalizeContact(in ContactInput) (Contact, []*ValueError) {
	var c Contact
	var errs []*ValueError
	fail := func(field string, err error) {
		if ve, ok := err.(*ValueError); ok {
			v := *ve
			v.Field = field
			errs = append(errs, &v)
			return
		}
		errs = append(errs, &ValueError{Field: field, Reason: apperr.ReasonTextNotUTF8, What: "value", Problem: err.Error()})
	}
	text := func(field, what, v string) string {
		v = strings.TrimSpace(v)
		switch {
		case !utf8.ValidString(v):
			errs = append(errs, &ValueError{Field: field, Reason: apperr.ReasonTextNotUTF8, What: what, Problem: "is not valid UTF-8 text"})
		case strings.IndexByte(v, 0) >= 0: // PostgreSQL stores no NUL in text: the write would fail whole
			errs = append(errs, &ValueError{Field: field, Reason: apperr.ReasonTextNotUTF8, What: what, Problem: "contains a NUL character"})
		case utf8.RuneCountInString(v) > MaxText:
			errs = append(errs, &ValueError{Field: field, Reason: apperr.ReasonTooLong, What: what,
				Problem: fmt.Sprintf("is longer than %d characters", MaxText)})
		}
		return v
	}
	c.GivenName = text("givenName", "given name", in.GivenName)
	c.FamilyName = text("familyName", "family name", in.FamilyName)
	c.Organization = text("organization", "organisation", in.Organization)

	region, countryErr := PhoneRegion(in)
	if a := in.Address; a != nil {
		addr := &Address{
			Street:     text("address.street", "street", a.Street),
			PostalCode: text("address.postalCode", "postal code", a.PostalCode),
			City:       text("address.city", "city", a.City),
		}
		// An unknown country is reported; the phones and the postal code are then read as of
		// DefaultCountry, so that their own problems are reported too.
		if countryErr != nil {
			fail("address.country", countryErr)
		} else {
			addr.Country = region
		}
		if addr.PostalCode != "" {
			if err := ValidatePostalCode(addr.PostalCode, region); err != nil {
				fail("address.postalCode", err)
			}
		}
		c.Address = addr
	}

	if len(in.Emails) > MaxIdentifiers {
		errs = append(errs, &ValueError{Field: "emails", Reason: apperr.ReasonTooManyIdentifiers, What: "e-mails",
			Problem: fmt.Sprintf("are more than %d; give at most %d at once", MaxIdentifiers, MaxIdentifiers)})
	} else {
		for i, raw := range in.Emails {
			addr, norm, err := EmailForms(raw)
			if err != nil {
				fail(fmt.Sprintf("emails[%d]", i), err)
				continue
			}
			if !hasEmail(c.Emails, norm) {
				c.Emails = append(c.Emails, Email{Address: addr, Normalized: norm})
			}
		}
	}
	if len(in.Phones) > MaxIdentifiers {
		errs = append(errs, &ValueError{Field: "phones", Reason: apperr.ReasonTooManyIdentifiers, What: "phone numbers",
			Problem: fmt.Sprintf("are more than %d; give at most %d at once", MaxIdentifiers, MaxIdentifiers)})
	} else {
		for i, raw := range in.Phones {
			p, err := NormalizePhone(raw, region)
			if err != nil {
				fail(fmt.Sprintf("phones[%d]", i), err)
				continue
			}
			if !hasString(c.Phones, p) {
				c.Phones = append(c.Phones, p)
			}
		}
	}
	return c, errs
}

// PhoneRegion is the region in's phones are read in, on every way in (save, screen, import):
// the country of its address, a person's and a company's alike, else DefaultCountry. When the
// address names a country NormalizeCountry cannot read, it is DefaultCountry and that error.
func PhoneRegion(in ContactInput) (string, error) {
	if in.Address == nil {
		return DefaultCountry, nil
	}
	return CountryRegion(in.Address.Country)
}

// CountryRegion is PhoneRegion of an address whose country is typed as country ("": none).
func CountryRegion(country string) (string, error) {
	region, err := NormalizeCountry(country)
	if err != nil {
		return DefaultCountry, err
	}
	return region, nil
}

// Complete reports what a contact to be stored lacks: a family name or an organisation, and
// of an address its street, postal code and city.
func (c Contact) Complete() []*ValueError {
	var errs []*ValueError
	if c.FamilyName == "" && c.Organization == "" {
		errs = append(errs, &ValueError{Field: "familyName", Reason: apperr.ReasonNameOrOrganizationRequired,
			Problem: "no family name and no organisation; a contact needs a family name or an organisation"})
	}
	if a := c.Address; a != nil {
		if a.Street == "" {
			errs = append(errs, &ValueError{Field: "address.street", Reason: apperr.ReasonStreetRequired, What: "street",
				Problem: "is empty; give street and house number, or no address at all"})
		}
		if a.PostalCode == "" {
			errs = append(errs, &ValueError{Field: "address.postalCode", Reason: apperr.ReasonPostalCodeEmpty, What: "postal code",
				Problem: "is empty"})
		}
		if a.City == "" {
			errs = append(errs, &ValueError{Field: "address.city", Reason: apperr.ReasonCityRequired, What: "city", Problem: "is empty"})
		}
	}
	return errs
}

// Validate is NormalizeContact and Complete: the reading of a contact to be stored.
func Validate(in ContactInput) (Contact, []*ValueError) {
	c, errs := NormalizeContact(in)
	return c, append(errs, c.Complete()...)
}

// NormalizedEmails returns the matching form of each e-mail.
func (c Contact) NormalizedEmails() []string {
	out := make([]string, len(c.Emails))
	for i, e := range c.Emails {
		out[i] = e.Normalized
	}
	return out
}

// BadInput turns problems into the caller's BAD_USER_INPUT errors, each at prefix+field
// (prefix such as "input." or "candidate.").
func BadInput(prefix string, errs []*ValueError) error {
	if len(errs) == 0 {
		return nil
	}
	list := make(apperr.List, len(errs))
	for i, e := range errs {
		list[i] = apperr.BadInput(prefix+e.Field, e.Reason, "%s", e.Message())
	}
	return list
}

// Message is the error's text without its field path.
func (e *ValueError) Message() string {
	v := *e
	v.Field = ""
	return v.Error()
}

func hasEmail(list []Email, normalized string) bool {
	for _, e := range list {
		if e.Normalized == normalized {
			return true
		}
	}
	return false
}

func hasString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Candidate is in as typed, for the checks that read raw values (Mentions).
func (in ContactInput) Candidate() Candidate {
	c := Candidate{GivenName: in.GivenName, FamilyName: in.FamilyName, Organization: in.Organization,
		Emails: in.Emails, Phones: in.Phones}
	if a := in.Address; a != nil {
		c.Street, c.PostalCode, c.City, c.Country = a.Street, a.PostalCode, a.City, a.Country
	}
	return c
}
