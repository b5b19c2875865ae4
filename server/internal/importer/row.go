package importer

import (
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/server/internal/csvfile"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

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
	dedupeKeys                        []string // store.HeldKeys
	hashes                            [][]byte
	kin                               []*staged     // later rows of the batch sharing an e-mail or phone with it: her, and not written
	consent                           *consentClaim // the consent columns (consent.go), nil when empty
}

// prepare validates and normalises one CSV row with the one reading of a contact
// (screening.Validate, as createContact does) and hashes its identifiers under every key. A
// row that cannot be imported comes back as its problems, each naming its field and reason;
// they quote only what the uploader typed in that row.
func prepare(row csvfile.Row, keyring *screening.Keyring) (*staged, []problem) {
	if row.Err != nil {
		msg := "the row cannot be read"
		if re, ok := row.Err.(*csvfile.RowError); ok {
			msg = re.Reason
		}
		return nil, []problem{{line: row.Line, code: apperr.ReasonRowUnreadable, msg: msg}}
	}
	in := screening.ContactInput{GivenName: row.GivenName, FamilyName: row.FamilyName, Organization: row.Organization,
		Emails: splitValues(row.Email), Phones: splitValues(row.Phone)}
	if strings.TrimSpace(row.Street) != "" || strings.TrimSpace(row.PostalCode) != "" || strings.TrimSpace(row.City) != "" {
		in.Address = &screening.AddressInput{Street: row.Street, PostalCode: row.PostalCode, City: row.City, Country: row.Country}
	}
	c, errs := screening.Validate(in)
	claim, problems := readConsent(row, time.Now())
	for _, e := range errs {
		problems = append(problems, problem{line: row.Line, code: e.Reason, field: column(e.Field), msg: e.Message()})
	}
	if len(problems) > 0 {
		return nil, problems
	}

	s := &staged{line: row.Line, rawEmail: row.Email, rawPhone: row.Phone, givenName: c.GivenName, familyName: c.FamilyName,
		emails: make([]string, len(c.Emails)), emailsNorm: make([]string, len(c.Emails)), phones: c.Phones}
	s.consent = claim
	if c.Organization != "" {
		s.organization = &c.Organization
	}
	if a := c.Address; a != nil {
		s.street, s.postalCode, s.city, s.country = &a.Street, &a.PostalCode, &a.City, &a.Country
	}
	for i, e := range c.Emails {
		s.emails[i], s.emailsNorm[i] = e.Address, e.Normalized
	}
	if s.phones == nil {
		s.phones = []string{}
	}
	s.sortKey = store.SortKey(c.FamilyName, c.GivenName, c.Organization)
	s.searchText = store.SearchText(c)
	s.dedupeKeys = store.HeldKeys(s.emailsNorm, s.phones)
	// The same identifiers blacklist's screen hashes, from the values normalised once.
	s.hashes = keyring.AppendHashes(make([][]byte, 0, len(s.dedupeKeys)+2), c)
	return s, nil
}

// splitValues splits a cell holding several e-mails or phones: csvfile joins several columns
// with newlines, and offices separate values in one cell with "," or ";".
func splitValues(cell string) []string {
	if !strings.ContainsAny(cell, "\n,;") { // one value, as in most cells
		if v := strings.TrimSpace(cell); v != "" {
			return []string{v}
		}
		return nil
	}
	var out []string
	for _, v := range strings.FieldsFunc(cell, func(r rune) bool { return r == '\n' || r == ',' || r == ';' }) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// column names the file's column a field path of screening.NormalizeContact stands for:
// "emails[1]" is the e-mail column, "address.postalCode" the postal code's.
func column(field string) string {
	if i := strings.IndexByte(field, '['); i >= 0 {
		field = field[:i]
	}
	field = strings.TrimPrefix(field, "address.")
	switch field {
	case "emails":
		return "email"
	case "phones":
		return "phone"
	}
	return field
}

// screened are the hashes the row is screened with: its own and those of its kin, the later
// rows of the file that are the same person by an e-mail or phone.
func (s *staged) screened() [][]byte {
	if len(s.kin) == 0 {
		return s.hashes
	}
	out := slices.Clone(s.hashes)
	for _, k := range s.kin {
		out = append(out, k.hashes...)
	}
	return out
}

// person is what the row and its kin say of her: every dedupe key, normalised e-mail and phone.
func (s *staged) person() (keys, emails, phones []string) {
	if len(s.kin) == 0 {
		return s.dedupeKeys, s.emailsNorm, s.phones
	}
	keys, emails, phones = slices.Clone(s.dedupeKeys), slices.Clone(s.emailsNorm), slices.Clone(s.phones)
	for _, k := range s.kin {
		keys, emails, phones = append(keys, k.dedupeKeys...), append(emails, k.emailsNorm...), append(phones, k.phones...)
	}
	return keys, emails, phones
}
