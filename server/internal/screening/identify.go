package screening

import (
	"strconv"
	"strings"

	"github.com/vermerk/vermerk/graph/model"
)

// A Candidate is a person as entered, imported or about to be erased.
type Candidate struct {
	GivenName, FamilyName, Organization string
	Emails, Phones                      []string
	Street, PostalCode, City, Country   string
}

// ContactCandidate is the stored contact c as a candidate.
func ContactCandidate(c *model.Contact) Candidate {
	cand := Candidate{GivenName: c.GivenName, FamilyName: c.FamilyName, Emails: c.Emails, Phones: c.Phones}
	if c.Organization != nil {
		cand.Organization = *c.Organization
	}
	if a := c.Address; a != nil {
		cand.Street, cand.PostalCode, cand.City, cand.Country = a.Street, a.PostalCode, a.City, a.Country
	}
	return cand
}

// ContactCandidates are the stored contacts cs as candidates.
func ContactCandidates(cs []*model.Contact) []Candidate {
	out := make([]Candidate, len(cs))
	for i, c := range cs {
		out[i] = ContactCandidate(c)
	}
	return out
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

// Identify normalises (NormalizeContact) and hashes every identifier of c: each e-mail,
// each phone (read in the region of the address's country), and the name-and-address keys.
// A value that cannot be read is skipped and reported as a *ValueError whose Field is the
// GraphQL input path ("emails[1]", "address.postalCode").
func (r *Keyring) Identify(c Candidate) (Identifiers, []error) {
	in := ContactInput{GivenName: c.GivenName, FamilyName: c.FamilyName, Organization: c.Organization,
		Emails: c.Emails, Phones: c.Phones}
	if c.Street != "" || c.PostalCode != "" || c.City != "" || c.Country != "" {
		in.Address = &AddressInput{Street: c.Street, PostalCode: c.PostalCode, City: c.City, Country: c.Country}
	}
	contact, verrs := NormalizeContact(in)
	var errs []error
	for _, e := range verrs {
		errs = append(errs, e)
		if strings.HasPrefix(e.Field, "address.") {
			contact.Address = nil // no name-and-address key of an address that cannot be read
		}
	}
	return r.IdentifyContact(contact), errs
}

// IdentifyContact hashes every identifier of a normalised contact under every key: each
// e-mail, each phone and, with an address, the name-and-address keys.
func (r *Keyring) IdentifyContact(c Contact) Identifiers {
	ids := make(Identifiers, 0, len(c.Emails)+len(c.Phones)+4)
	c.eachIdentifier(func(kind Kind, i int, normalized string) {
		for _, id := range ids {
			if id.Kind == kind && id.Normalized == normalized {
				return
			}
		}
		field := "address"
		switch kind {
		case KindEmail:
			field = "emails[" + strconv.Itoa(i) + "]"
		case KindPhone:
			field = "phones[" + strconv.Itoa(i) + "]"
		}
		ids = append(ids, Identifier{Kind: kind, Field: field, Normalized: normalized, Hashes: r.HashAll(kind, normalized)})
	})
	return ids
}

// AppendHashes appends the hash of every identifier of c under every key to dst: what
// IdentifyContact hashes, without its bookkeeping, for the import's many rows. The order is
// fixed (the importer relies on it): each e-mail, then each phone, then the name-and-address
// keys, each under every key, current first.
func (r *Keyring) AppendHashes(dst [][]byte, c Contact) [][]byte {
	c.eachIdentifier(func(kind Kind, _ int, normalized string) {
		for i := range r.keys {
			dst = append(dst, r.keys[i].hash(kind, normalized))
		}
	})
	return dst
}

// eachIdentifier calls fn with every identifier of c: its e-mails, its phones and, with an
// address, its name-and-address keys.
func (c Contact) eachIdentifier(fn func(kind Kind, index int, normalized string)) {
	for i, e := range c.Emails {
		fn(KindEmail, i, e.Normalized)
	}
	for i, p := range c.Phones {
		fn(KindPhone, i, p)
	}
	if a := c.Address; a != nil {
		for i, k := range NameAddressKeys(c.FamilyName, c.GivenName, a.PostalCode, a.Street) {
			fn(KindNameAddress, i, k)
		}
	}
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
