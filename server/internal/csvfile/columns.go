package csvfile

import "strings"

// column is a canonical column; the zero value is a column the reader does not know.
type column int

const (
	colUnknown column = iota
	colGivenName
	colFamilyName
	colOrganization
	colEmail
	colPhone
	colStreet
	colHouseNumber
	colPostalCode
	colCity
	colCountry
	colConsent       // the key of the purpose the person consented to (consent.go)
	colConsentDate   // when they consented
	colConsentSource // how they consented, as the file states it
)

var columnNames = [...]string{
	colUnknown:       "",
	colGivenName:     "givenName",
	colFamilyName:    "familyName",
	colOrganization:  "organization",
	colEmail:         "email",
	colPhone:         "phone",
	colStreet:        "street",
	colHouseNumber:   "houseNumber",
	colPostalCode:    "postalCode",
	colCity:          "city",
	colCountry:       "country",
	colConsent:       "consent",
	colConsentDate:   "consentDate",
	colConsentSource: "consentSource",
}

func (c column) String() string { return columnNames[c] }

// identifies reports whether a column can name a contact on its own.
func (c column) identifies() bool {
	switch c {
	case colGivenName, colFamilyName, colOrganization, colEmail, colPhone:
		return true
	}
	return false
}

// headerAliases maps normalised header texts (see normalizeHeader) to columns.
var headerAliases = map[string]column{
	"vorname": colGivenName, "firstname": colGivenName, "givenname": colGivenName,
	"forename": colGivenName, "rufname": colGivenName,

	"nachname": colFamilyName, "lastname": colFamilyName, "surname": colFamilyName,
	"familyname": colFamilyName, "familienname": colFamilyName,

	"firma": colOrganization, "firmenname": colOrganization, "unternehmen": colOrganization,
	"company": colOrganization, "companyname": colOrganization,
	"organization": colOrganization, "organisation": colOrganization,

	"email": colEmail, "emailadresse": colEmail, "emailaddress": colEmail, "mail": colEmail,
	"mailadresse": colEmail, "emailadr": colEmail,
	// Outlook exports: "E-Mail 2: Adresse", "E-mail 2 Address".
	"email2adresse": colEmail, "email3adresse": colEmail, "email2address": colEmail, "email3address": colEmail,

	"telefon": colPhone, "tel": colPhone, "telnr": colPhone, "telefonnummer": colPhone,
	"phone": colPhone, "phonenumber": colPhone, "telephone": colPhone,
	"mobil": colPhone, "mobile": colPhone, "mobiltelefon": colPhone, "mobilephone": colPhone,
	"mobilnummer": colPhone, "handy": colPhone, "handynummer": colPhone, "cellphone": colPhone,
	"telefonprivat": colPhone, "telefongeschaeftlich": colPhone, "businessphone": colPhone, "homephone": colPhone,

	"strasse": colStreet, "str": colStreet, "street": colStreet, "adresse": colStreet,
	"address": colStreet, "anschrift": colStreet, "streetaddress": colStreet,
	"strasseundhausnummer": colStreet, "strassehausnummer": colStreet, "strassenr": colStreet,

	"hausnummer": colHouseNumber, "hausnr": colHouseNumber, "nr": colHouseNumber,
	"housenumber": colHouseNumber, "streetnumber": colHouseNumber,

	"plz": colPostalCode, "postleitzahl": colPostalCode, "postalcode": colPostalCode,
	"zip": colPostalCode, "zipcode": colPostalCode, "postcode": colPostalCode,

	"ort": colCity, "stadt": colCity, "wohnort": colCity, "city": colCity, "town": colCity,

	"land": colCountry, "country": colCountry, "landregion": colCountry, "countryregion": colCountry,
}

// weakFamilyName is a header that means the family name only when nothing
// else does: "Name" next to "Vorname" is the family name, next to
// "Nachname" it is something else.
const weakFamilyName = "name"

// mapHeaders maps header cells to columns and lists the cells it does not know.
func mapHeaders(headers []string) (cols []column, unknown []string) {
	cols = make([]column, len(headers))
	hasFamily := false
	for i, h := range headers {
		cols[i] = lookupHeader(normalizeHeader(h))
		hasFamily = hasFamily || cols[i] == colFamilyName
	}
	for i, h := range headers {
		if cols[i] == colUnknown && !hasFamily && normalizeHeader(h) == weakFamilyName {
			cols[i] = colFamilyName
			hasFamily = true
		}
		if cols[i] == colUnknown && strings.TrimSpace(h) != "" {
			unknown = append(unknown, strings.TrimSpace(h))
		}
	}
	return cols, unknown
}

func lookupHeader(key string) column {
	if c, ok := headerAliases[key]; ok {
		return c
	}
	// "E-Mail 2", "Telefon 3": numbered columns of a multi-valued field.
	base := strings.TrimRight(key, "0123456789")
	if base != key {
		if c := headerAliases[base]; c == colEmail || c == colPhone {
			return c
		}
	}
	return colUnknown
}

// normalizeHeader lower-cases, folds German letters to ASCII and drops
// everything that is not a letter or digit: "E-Mail-Adresse" → "emailadresse",
// "Straße" → "strasse", "Tel." → "tel".
func normalizeHeader(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
		case r == 'ä' || r == 'Ä':
			b.WriteString("ae")
		case r == 'ö' || r == 'Ö':
			b.WriteString("oe")
		case r == 'ü' || r == 'Ü':
			b.WriteString("ue")
		case r == 'ß' || r == 'ẞ':
			b.WriteString("ss")
		}
	}
	return b.String()
}
