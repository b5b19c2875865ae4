package screening

import (
	"fmt"
)

// A Candidate is a person as entered, imported or about to be erased.
type Candidate struct {
	GivenName, FamilyName, Organization string
	Emails, Phones                      []string
	Street, PostalCode, City, Country   string
}

// An Identifier is one normalised identifier of a candidate and its keyed
// hashes under every key of the keyring, current first.
type Identifier struct {
	Kind       Kind
	Field      string // where it came from: "emails[0]", "phones[1]", "address"
	Normalized string
	Hashes     []KeyedHash
}

// Identifiers are all identifiers of one candidate, without duplicates.
type Identifiers []Identifier

// Identify normalises and hashes every identifier of c: each e-mail, each
// phone (read in the region of the address's country), and the name-and-address
// keys. A value that cannot be read is skipped and reported as a *ValueError
// whose Field is the GraphQL input path ("emails[1]", "address.postalCode").
func (r *Keyring) Identify(c Candidate) (Identifiers, []error) {
	var ids Identifiers
	var errs []error
	add := func(kind Kind, field, normalized string) {
		for _, id := range ids {
			if id.Kind == kind && id.Normalized == normalized {
				return
			}
		}
		ids = append(ids, Identifier{Kind: kind, Field: field, Normalized: normalized, Hashes: r.HashAll(kind, normalized)})
	}

	for i, e := range c.Emails {
		n, err := NormalizeEmail(e)
		if err != nil {
			errs = append(errs, withField(err, fmt.Sprintf("emails[%d]", i)))
			continue
		}
		add(KindEmail, fmt.Sprintf("emails[%d]", i), n)
	}

	country, err := NormalizeCountry(c.Country)
	if err != nil {
		errs = append(errs, withField(err, "address.country"))
		country = DefaultCountry
	}
	for i, p := range c.Phones {
		n, err := NormalizePhone(p, country)
		if err != nil {
			errs = append(errs, withField(err, fmt.Sprintf("phones[%d]", i)))
			continue
		}
		add(KindPhone, fmt.Sprintf("phones[%d]", i), n)
	}

	if c.PostalCode != "" {
		if err := ValidatePostalCode(c.PostalCode, country); err != nil {
			errs = append(errs, withField(err, "address.postalCode"))
			return ids, errs
		}
	}
	for _, k := range NameAddressKeys(c.FamilyName, c.GivenName, c.PostalCode, c.Street) {
		add(KindNameAddress, "address", k)
	}
	return ids, errs
}

// Lookups returns the kinds and hashes of every identifier under every key, as
// two parallel slices for one query such as
//
//	SELECT … FROM blacklist_hash WHERE (kind, hash) IN (SELECT * FROM unnest($1::text[], $2::bytea[]))
func (ids Identifiers) Lookups() (kinds []string, hashes [][]byte) {
	for _, id := range ids {
		for _, h := range id.Hashes {
			kinds = append(kinds, string(h.Kind))
			hashes = append(hashes, h.Hash)
		}
	}
	return kinds, hashes
}

// Current returns the hash of every identifier under the current key: what a
// new blacklist entry stores, each with the key id that made it.
func (ids Identifiers) Current() []KeyedHash {
	out := make([]KeyedHash, 0, len(ids))
	for _, id := range ids {
		if len(id.Hashes) > 0 {
			out = append(out, id.Hashes[0])
		}
	}
	return out
}

// Has reports whether ids include an identifier of kind.
func (ids Identifiers) Has(kind Kind) bool {
	for _, id := range ids {
		if id.Kind == kind {
			return true
		}
	}
	return false
}
