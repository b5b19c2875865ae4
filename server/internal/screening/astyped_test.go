package screening

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestPhoneRegion(t *testing.T) {
	tests := []struct {
		in      ContactInput
		want    string
		unknown bool
	}{
		{ContactInput{FamilyName: "Beispielfrau"}, "DE", false},
		{ContactInput{Organization: "Musterfirma B.V.", Address: &AddressInput{Country: "Netherlands"}}, "NL", false}, // a company's phones too
		{ContactInput{FamilyName: "Beispielfrau", Address: &AddressInput{Country: "Österreich"}}, "AT", false},
		{ContactInput{FamilyName: "Beispielfrau", Address: &AddressInput{}}, "DE", false},
		{ContactInput{FamilyName: "Beispielfrau", Address: &AddressInput{Country: "Österr"}}, "DE", true},
	}
	for _, tt := range tests {
		got, err := PhoneRegion(tt.in)
		if got != tt.want || (err != nil) != tt.unknown {
			t.Errorf("PhoneRegion(%+v) = %q, %v; want %q (unknown country: %v)", tt.in.Address, got, err, tt.want, tt.unknown)
		}
	}
}

func TestReadAsTyped(t *testing.T) {
	wien := &AddressInput{Street: "Probegasse 1", PostalCode: "1010", City: "Wien", Country: "Österreich"}
	tests := []struct {
		name       string
		in         ContactInput
		phones     []string
		emails     int
		hasAddress bool
		skipped    []string // field=REASON
	}{
		{"no-break spaces and dashes", ContactInput{Phones: []string{"030\u00a0555\u00a00123", "030\u2013555\u20130124"}},
			[]string{"+49305550123", "+49305550124"}, 0, false, nil},
		{"a person in Austria", ContactInput{FamilyName: "Beispielfrau", Phones: []string{"01 5550123"}, Address: wien},
			[]string{"+4315550123"}, 0, true, nil},
		{"a company in the Netherlands", ContactInput{Organization: "Musterfirma B.V.", Phones: []string{"020 555 0123"},
			Address: &AddressInput{Street: "Voorbeeldstraat 1", PostalCode: "1011 AB", City: "Amsterdam", Country: "Netherlands"}},
			[]string{"+31205550123"}, 0, false, nil},
		{"half typed", ContactInput{Emails: []string{"erika@", "erika@example.org"}, Phones: []string{"030 5"}},
			nil, 1, false, []string{"emails[0]=EMAIL_NO_DOMAIN", "phones[0]=PHONE_INVALID"}},
		{"country not known yet", ContactInput{FamilyName: "Beispielfrau", Phones: []string{"01 5550123", "+43 1 5550124", "030 5"},
			Address: &AddressInput{Street: "Probegasse 1", PostalCode: "1010", City: "Wien", Country: "Österr"}},
			[]string{"+4315550124"}, 0, false, []string{"address.country=COUNTRY_UNKNOWN", "phones[0]=COUNTRY_UNKNOWN", "phones[2]=COUNTRY_UNKNOWN"}},
		{"postal code of another country", ContactInput{FamilyName: "Beispielfrau",
			Address: &AddressInput{Street: "Probegasse 1", PostalCode: "10115", City: "Wien", Country: "AT"}},
			nil, 0, false, []string{"address.postalCode=POSTAL_CODE_INVALID"}},
		{"address half typed", ContactInput{FamilyName: "Beispielfrau", Address: &AddressInput{Street: "Probegasse 1"}},
			nil, 0, false, []string{"address.postalCode=POSTAL_CODE_EMPTY", "address.city=CITY_REQUIRED"}},
		{"a company's half-typed address", ContactInput{Organization: "Musterfirma GmbH", Address: &AddressInput{Street: "Probe"}},
			nil, 0, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, skipped, refused := ReadAsTyped(tt.in)
			if len(refused) != 0 {
				t.Fatalf("refused %v", refused)
			}
			var got []string
			for _, e := range skipped {
				got = append(got, e.Field+"="+string(e.Reason))
			}
			if !slices.Equal(c.Phones, tt.phones) || len(c.Emails) != tt.emails || (c.Address != nil) != tt.hasAddress || !slices.Equal(got, tt.skipped) {
				t.Errorf("phones %q, %d e-mails, address %v, skipped %q; want %q, %d, %v, %q",
					c.Phones, len(c.Emails), c.Address != nil, got, tt.phones, tt.emails, tt.hasAddress, tt.skipped)
			}
		})
	}
	many := make([]string, MaxIdentifiers+1)
	for i := range many {
		many[i] = fmt.Sprintf("person%d@example.org", i)
	}
	if _, _, refused := ReadAsTyped(ContactInput{Emails: many}); len(refused) != 1 || refused[0].Field != "emails" {
		t.Errorf("%d e-mails: refused %v, want the e-mails", len(many), refused)
	}
}

// FuzzReadAsTyped: whatever is typed, each e-mail and phone is read (as the save reads it)
// or skipped at its path, never both; an address is kept only with a family name and nothing
// of it skipped.
func FuzzReadAsTyped(f *testing.F) {
	f.Add("erika@example.org", "030\u00a0555\u00a00123", "Beispielfrau", "Probegasse 1", "1010", "Wien", "Österreich")
	f.Add("erika@", "01 5550123", "", "Probe", "", "", "Österr")
	f.Fuzz(func(t *testing.T, email, phone, family, street, postal, city, country string) {
		in := ContactInput{FamilyName: family, Emails: []string{email}, Phones: []string{phone},
			Address: &AddressInput{Street: street, PostalCode: postal, City: city, Country: country}}
		c, skipped, refused := ReadAsTyped(in)
		if len(refused) != 0 {
			t.Fatalf("refused %v", refused)
		}
		has := func(field string) bool {
			return slices.ContainsFunc(skipped, func(e *ValueError) bool { return e.Field == field })
		}
		if (len(c.Emails) == 1) == has("emails[0]") {
			t.Fatalf("e-mail read %d times, skipped: %v", len(c.Emails), skipped)
		}
		if (len(c.Phones) == 1) == has("phones[0]") {
			t.Fatalf("phone read %d times, skipped: %v", len(c.Phones), skipped)
		}
		if len(c.Phones) == 1 {
			region, _ := PhoneRegion(in)
			if want, err := NormalizePhone(phone, region); err != nil || want != c.Phones[0] {
				t.Fatalf("phone read as %q, the save reads %q, %v", c.Phones[0], want, err)
			}
		}
		if c.Address != nil && (c.FamilyName == "" || slices.ContainsFunc(skipped, func(e *ValueError) bool {
			return strings.HasPrefix(e.Field, "address.")
		})) {
			t.Fatalf("address kept: family %q, skipped %v", c.FamilyName, skipped)
		}
	})
}
