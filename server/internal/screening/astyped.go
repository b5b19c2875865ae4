package screening

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/vermerk/vermerk/graph/apperr"
)

// ReadAsTyped reads a contact while it is being typed (screen with asTyped): with
// NormalizeContact, as its save will read it, keeping every value it can read and skipping,
// with the problem at the value's path, what it cannot read yet:
//   - an e-mail or phone NormalizeContact refuses;
//   - an address's country it does not know, and every phone not written with its country
//     code ("+…"), which the save reads in that country once it is one (the postal code is
//     not judged until then either);
//   - with a family name, the name-and-address key when a part of it is missing or cannot be
//     read (each such part is skipped: address.street, address.postalCode, address.city,
//     address.country, familyName, givenName). Without a family name there is no such key (a
//     company's address): nothing of the address but its country is skipped.
//
// refused holds the problems of the whole input (more than MaxIdentifiers e-mails or phones),
// which reading as typed does not excuse.
func ReadAsTyped(in ContactInput) (c Contact, skipped, refused []*ValueError) {
	c, errs := NormalizeContact(in)
	_, countryErr := PhoneRegion(in)
	var nameAddress []*ValueError
	for _, e := range errs {
		switch {
		case e.Reason == apperr.ReasonTooManyIdentifiers:
			refused = append(refused, e)
		case strings.HasPrefix(e.Field, "emails["), strings.HasPrefix(e.Field, "phones["), e.Field == "address.country":
			skipped = append(skipped, e)
		case e.Field == "organization": // part of no identifier
		case e.Reason == apperr.ReasonPostalCodeInvalid && countryErr != nil:
			// judged in DefaultCountry; its own country is not known yet
		default: // a name or a part of the address: what the name-and-address key is made of
			nameAddress = append(nameAddress, e)
		}
	}
	if len(refused) > 0 {
		return Contact{}, nil, refused
	}
	if countryErr != nil {
		// NormalizeContact read the phones in DefaultCountry, for their own problems; those
		// written nationally wait for the country instead.
		c.Phones = nil
		for i, raw := range in.Phones {
			field := "phones[" + strconv.Itoa(i) + "]"
			if !strings.HasPrefix(strings.TrimSpace(raw), "+") {
				skipped = slices.DeleteFunc(skipped, func(e *ValueError) bool { return e.Field == field })
				skipped = append(skipped, &ValueError{Field: field, Reason: apperr.ReasonCountryUnknown, What: "phone",
					Problem: "is read in the country of the address, which is not one we know yet"})
				continue
			}
			if p, err := NormalizePhone(raw, DefaultCountry); err == nil && !hasString(c.Phones, p) {
				c.Phones = append(c.Phones, p)
			}
		}
	}
	if c.Address != nil {
		if c.FamilyName == "" {
			c.Address = nil
		} else if nameAddress = append(nameAddress, c.Complete()...); len(nameAddress) > 0 || countryErr != nil {
			skipped = append(skipped, nameAddress...)
			c.Address = nil
		}
	}
	slices.SortStableFunc(skipped, func(a, b *ValueError) int { return cmp.Compare(fieldRank(a.Field), fieldRank(b.Field)) })
	return c, skipped, nil
}

// fieldRank orders input paths as ContactInput's fields are ordered, e-mails and phones by index.
func fieldRank(field string) int {
	order := []string{"givenName", "familyName", "organization", "address.street", "address.postalCode", "address.city", "address.country"}
	if i := slices.Index(order, field); i >= 0 {
		return i
	}
	base := 0
	switch {
	case strings.HasPrefix(field, "emails["):
		base = len(order)
	case strings.HasPrefix(field, "phones["):
		base = len(order) + MaxIdentifiers
	default:
		return len(order) + 2*MaxIdentifiers
	}
	i, _ := strconv.Atoi(strings.TrimSuffix(field[len("emails["):], "]"))
	return base + i
}
