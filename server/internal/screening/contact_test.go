package screening

import (
	"slices"
	"strings"
	"testing"

	"github.com/vermerk/vermerk/graph/apperr"
)

func TestNormalizeContactReadsPhonesInTheAddressRegion(t *testing.T) {
	tests := []struct {
		name    string
		address *AddressInput
		want    string
	}{
		{"no address", nil, "+496641234567"},
		{"German address", &AddressInput{Street: "Hauptstraße 1", PostalCode: "10115", City: "Berlin"}, "+496641234567"},
		{"Austrian address", &AddressInput{Street: "Ring 1", PostalCode: "1010", City: "Wien", Country: "Österreich"}, "+436641234567"},
		{"unknown country", &AddressInput{Street: "Ring 1", PostalCode: "10115", City: "X", Country: "Atlantis"}, "+496641234567"},
	}
	for _, tt := range tests {
		c, _ := NormalizeContact(ContactInput{FamilyName: "Mustermann", Phones: []string{"0664 1234567"}, Address: tt.address})
		if !slices.Equal(c.Phones, []string{tt.want}) {
			t.Errorf("%s: phones %v, want [%s]", tt.name, c.Phones, tt.want)
		}
	}
}

func TestValidateReportsFieldAndReason(t *testing.T) {
	tests := []struct {
		in   ContactInput
		want []string // field=REASON
	}{
		{ContactInput{FamilyName: "Mustermann", Emails: []string{"anna"}}, []string{"emails[0]=EMAIL_NO_AT"}},
		{ContactInput{FamilyName: "Mustermann", Emails: []string{"ok@example.org", "anna@"}}, []string{"emails[1]=EMAIL_NO_DOMAIN"}},
		{ContactInput{GivenName: "Erika"}, []string{"familyName=NAME_OR_ORGANIZATION_REQUIRED"}},
		{ContactInput{Organization: "Musterfirma GmbH", Phones: []string{"12ab"}}, []string{"phones[0]=PHONE_INVALID"}},
		{ContactInput{FamilyName: "M", Address: &AddressInput{Country: "Atlantis"}}, []string{"address.country=COUNTRY_UNKNOWN",
			"address.street=STREET_REQUIRED", "address.postalCode=POSTAL_CODE_EMPTY", "address.city=CITY_REQUIRED"}},
		{ContactInput{FamilyName: "M", Address: &AddressInput{Street: "Ring 1", PostalCode: "123", City: "Wien", Country: "AT"}},
			[]string{"address.postalCode=POSTAL_CODE_INVALID"}},
		{ContactInput{FamilyName: strings.Repeat("x", MaxText+1)}, []string{"familyName=TOO_LONG"}},
		{ContactInput{FamilyName: "M", Emails: make([]string, MaxIdentifiers+1)}, []string{"emails=TOO_MANY_IDENTIFIERS"}},
		{ContactInput{FamilyName: "Mustermann", Emails: []string{"Max.Muster+news@Example.org", "max.muster@example.org"},
			Phones: []string{"+49 30 1234567", "030 1234567"}}, nil},
	}
	for _, tt := range tests {
		_, errs := Validate(tt.in)
		var got []string
		for _, e := range errs {
			got = append(got, e.Field+"="+string(e.Reason))
			if e.Reason == "" || strings.ToUpper(string(e.Reason)) != string(e.Reason) {
				t.Errorf("%+v: reason %q is no UPPER_SNAKE code", tt.in, e.Reason)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%+v: problems %v, want %v", tt.in, got, tt.want)
		}
	}
	c, _ := Validate(ContactInput{FamilyName: "Mustermann", Emails: []string{"Max.Muster+news@Example.org", "max.muster@example.org"},
		Phones: []string{"+49 30 1234567", "030 1234567"}})
	if len(c.Emails) != 1 || c.Emails[0].Address != "Max.Muster+news@example.org" || c.Emails[0].Normalized != "max.muster@example.org" ||
		!slices.Equal(c.Phones, []string{"+49301234567"}) {
		t.Errorf("the same address and number twice: %+v", c)
	}
	if err := BadInput("input.", []*ValueError{{Field: "emails[0]", Reason: apperr.ReasonEmailNoAt, What: "e-mail", Problem: "has no @"}}); err == nil ||
		err.Error() != `input.emails[0]: e-mail has no @` {
		t.Errorf("BadInput = %v", err)
	}
}

func FuzzNormalizeContact(f *testing.F) {
	f.Add("Mustermann", "max.muster@example.org", "0664 1234567", "Ring 1", "1010", "AT")
	f.Fuzz(func(t *testing.T, family, email, phone, street, postal, country string) {
		c, errs := NormalizeContact(ContactInput{FamilyName: family, Emails: []string{email}, Phones: []string{phone},
			Address: &AddressInput{Street: street, PostalCode: postal, City: "Wien", Country: country}})
		for _, e := range errs {
			if e.Field == "" || e.Reason == "" {
				t.Fatalf("problem without field or reason: %+v", e)
			}
		}
		for _, p := range c.Phones {
			if again, err := NormalizePhone(p, "DE"); err != nil || again != p {
				t.Fatalf("E.164 %q does not read back as itself: %q %v", p, again, err)
			}
		}
	})
}

func TestFamilySpellings(t *testing.T) {
	for _, tt := range []struct {
		family string
		want   []string
	}{
		{"Mueller", []string{"mueller", "müller"}},
		{"Müller", []string{"müller", "mueller", "muller"}},
		{" Weiß ", []string{"weiß", "weiss"}},
	} {
		if got := FamilySpellings(tt.family); !slices.Equal(got, tt.want) {
			t.Errorf("FamilySpellings(%q) = %q, want %q", tt.family, got, tt.want)
		}
	}
}

func FuzzFamilySpellings(f *testing.F) {
	f.Add("Müller-Lüdenscheidt")
	f.Fuzz(func(t *testing.T, family string) {
		got := FamilySpellings(family)
		if len(got) == 0 || got[0] != strings.ToLower(strings.TrimSpace(family)) {
			t.Fatalf("FamilySpellings(%q) = %q: the name as written comes first", family, got)
		}
		for i, s := range got[1:] {
			if s == "" || slices.Contains(got[:i+1], s) {
				t.Fatalf("FamilySpellings(%q) = %q: empty or repeated spelling", family, got)
			}
		}
	})
}
