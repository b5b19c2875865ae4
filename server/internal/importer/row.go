package importer

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/vermerk/vermerk/server/internal/csvfile"
	"github.com/vermerk/vermerk/server/internal/screening"
)

// maxText bounds a name, organisation or address line, as contacts.maxText does.
const maxText = 200

// maxIdentifiers bounds the e-mails and phones of one row, as the blacklist's screen does.
const maxIdentifiers = 50

// staged is one valid row, normalised and hashed, as it is copied into the batch table.
type staged struct {
	id                                uuid.UUID // given when the row is written
	line                              int
	rawEmail, rawPhone                string
	givenName, familyName             string
	organization                      *string
	street, postalCode, city, country *string
	emails, emailsNorm, phones        []string
	sortKey, searchText               string
	dedupeKeys                        []string // "e:"+normalised e-mail, "p:"+E.164
	hashes                            [][]byte
	consent                           *consentClaim // the consent columns (consent.go), nil when empty
}

// prepare validates and normalises one CSV row and hashes its identifiers under every key. A
// row that cannot be imported comes back as a problem text naming what is wrong; it quotes
// only what the uploader typed in that row.
func prepare(row csvfile.Row, keyring *screening.Keyring) (*staged, string) {
	if row.Err != nil {
		if re, ok := row.Err.(*csvfile.RowError); ok {
			return nil, re.Reason
		}
		return nil, "the row cannot be read"
	}
	var problems []string
	text := func(what, v string) string {
		v = strings.TrimSpace(v)
		if utf8.RuneCountInString(v) > maxText {
			problems = append(problems, fmt.Sprintf("%s is longer than %d characters", what, maxText))
		}
		return v
	}
	s := &staged{line: row.Line, rawEmail: row.Email, rawPhone: row.Phone}
	s.givenName = text("given name", row.GivenName)
	s.familyName = text("family name", row.FamilyName)
	if o := text("organisation", row.Organization); o != "" {
		s.organization = &o
	}
	if s.familyName == "" && s.organization == nil {
		problems = append(problems, "no family name and no organisation; a contact needs one of them")
	}

	country := screening.DefaultCountry
	street, postal, city := text("street", row.Street), text("postal code", row.PostalCode), text("city", row.City)
	if street != "" || postal != "" || city != "" {
		c, err := screening.NormalizeCountry(row.Country)
		if err != nil {
			problems = append(problems, err.Error())
		} else {
			country = c
		}
		if street == "" {
			problems = append(problems, "the address has no street; give street and house number, or no address at all")
		}
		if city == "" {
			problems = append(problems, "the address has no city")
		}
		if err == nil {
			if err := screening.ValidatePostalCode(postal, country); err != nil {
				problems = append(problems, err.Error())
			}
		}
		s.street, s.postalCode, s.city, s.country = &street, &postal, &city, &country
	}

	rawEmails, rawPhones := splitValues(row.Email), splitValues(row.Phone)
	if len(rawEmails) > maxIdentifiers || len(rawPhones) > maxIdentifiers {
		problems = append(problems, fmt.Sprintf("more than %d e-mail addresses or phone numbers", maxIdentifiers))
		rawEmails, rawPhones = nil, nil
	}
	for _, raw := range rawEmails {
		addr, n, err := screening.EmailForms(raw)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if !contains(s.emailsNorm, n) {
			s.emails = append(s.emails, addr)
			s.emailsNorm = append(s.emailsNorm, n)
		}
	}
	for _, raw := range rawPhones {
		p, err := screening.NormalizePhone(raw, country)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if !contains(s.phones, p) {
			s.phones = append(s.phones, p)
		}
	}
	var consentProblems []string
	s.consent, consentProblems = readConsent(row, time.Now())
	problems = append(problems, consentProblems...)
	if len(problems) > 0 {
		return nil, strings.Join(problems, "; ")
	}

	if s.emails == nil {
		s.emails, s.emailsNorm = []string{}, []string{}
	}
	if s.phones == nil {
		s.phones = []string{}
	}
	s.sortKey = sortKey(s)
	s.searchText = searchText(s)
	s.dedupeKeys = make([]string, 0, len(s.emailsNorm)+len(s.phones))
	// The same identifiers screening.Keyring.Identify hashes, from values normalised once.
	for _, n := range s.emailsNorm {
		s.dedupeKeys = append(s.dedupeKeys, "e:"+n)
		s.addHashes(keyring, screening.KindEmail, n)
	}
	for _, p := range s.phones {
		s.dedupeKeys = append(s.dedupeKeys, "p:"+p)
		s.addHashes(keyring, screening.KindPhone, p)
	}
	if s.street != nil {
		for _, k := range screening.NameAddressKeys(s.familyName, s.givenName, *s.postalCode, *s.street) {
			s.addHashes(keyring, screening.KindNameAddress, k)
		}
	}
	if s.hashes == nil {
		s.hashes = [][]byte{}
	}
	return s, ""
}

func (s *staged) addHashes(keyring *screening.Keyring, kind screening.Kind, normalized string) {
	for _, h := range keyring.HashAll(kind, normalized) {
		s.hashes = append(s.hashes, h.Hash)
	}
}

// splitValues splits a cell holding several e-mails or phones: csvfile joins several columns
// with newlines, and offices separate values in one cell with "," or ";".
func splitValues(cell string) []string {
	var out []string
	for _, v := range strings.FieldsFunc(cell, func(r rune) bool { return r == '\n' || r == ',' || r == ';' }) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// sortKey must stay equal to contacts.sortKey (contacts/write.go): family name, given name,
// organisation, lower-cased.
func sortKey(s *staged) string {
	org := ""
	if s.organization != nil {
		org = *s.organization
	}
	return strings.ToLower(strings.Join([]string{s.familyName, s.givenName, org}, " "))
}

// searchText must stay equal to contacts.searchText (contacts/write.go): names, organisation
// and city, lower-cased. E-mails and phones are searched on their own indexes.
func searchText(s *staged) string {
	parts := []string{s.givenName, s.familyName}
	if s.organization != nil {
		parts = append(parts, *s.organization)
	}
	if s.city != nil {
		parts = append(parts, *s.city)
	}
	return strings.ToLower(strings.Join(parts, " "))
}
