package screening

import "testing"

func TestNormalizeCountry(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "DE"}, {"  ", "DE"},
		{"DE", "DE"}, {"de", "DE"}, {"DEU", "DE"}, {"Deutschland", "DE"}, {"Germany", "DE"}, {"deutschland ", "DE"}, {"Bundesrepublik Deutschland", "DE"},
		{"AT", "AT"}, {"Österreich", "AT"}, {"Oesterreich", "AT"}, {"Osterreich", "AT"}, {"Austria", "AT"},
		{"CH", "CH"}, {"Schweiz", "CH"}, {"Suisse", "CH"}, {"Switzerland", "CH"},
		{"UK", "GB"}, {"Großbritannien", "GB"}, {"Vereinigtes Königreich", "GB"},
		{"EL", "GR"}, {"Ελλάδα", "GR"},
		{"Nederland", "NL"}, {"the netherlands", "NL"}, {"Frankreich", "FR"}, {"Česko", "CZ"},
		{"JP", "JP"}, // any ISO 3166-1 country by its code
	}
	for _, tt := range tests {
		got, err := NormalizeCountry(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("NormalizeCountry(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"Atlantis", "ZZ", "EU", "D", "12", "Deutschlandd"} {
		if got, err := NormalizeCountry(in); err == nil {
			t.Errorf("NormalizeCountry(%q) = %q; want an error", in, got)
		}
	}
	if _, err := NormalizeCountry("Atlantis"); err == nil || err.Error() != `country is not one we know; use its name (Austria, Österreich) or a two-letter ISO code such as AT` {
		t.Errorf("NormalizeCountry(Atlantis): %v", err)
	}
}

func TestCountryNamesAreUnambiguous(t *testing.T) {
	seen := map[string]string{}
	for code, names := range countryNames {
		for _, n := range names {
			for _, v := range foldVariants(n) {
				if other, ok := seen[v]; ok && other != code {
					t.Errorf("%q names both %s and %s", n, code, other)
				}
				seen[v] = code
			}
		}
	}
}

func TestValidatePostalCode(t *testing.T) {
	ok := []struct{ code, country string }{
		{"10115", ""}, {"10115", "DE"}, {" 01067 ", "Deutschland"},
		{"1010", "AT"}, {"8001", "Schweiz"}, {"9490", "LI"},
		{"SW1A 1AA", "GB"}, {"1011 AB", "NL"}, {"00-950", "PL"}, {"75001", "FR"},
	}
	for _, tt := range ok {
		if err := ValidatePostalCode(tt.code, tt.country); err != nil {
			t.Errorf("ValidatePostalCode(%q, %q) = %v", tt.code, tt.country, err)
		}
	}
	bad := []struct{ code, country, msg string }{
		{"1011", "DE", `postal code must have 5 digits in Germany`},
		{"101155", "", `postal code must have 5 digits in Germany`},
		{"D-10115", "", `postal code must have 5 digits in Germany`},
		{"10115", "Österreich", `postal code must have 4 digits in Austria`},
		{"80O1", "CH", `postal code must have 4 digits in Switzerland`},
		{"", "DE", `postal code is empty`},
		{"1", "FR", `postal code must have 2 to 10 letters, digits, spaces or dashes`},
		{"SW1A_1AA", "GB", `postal code must have 2 to 10 letters, digits, spaces or dashes`},
		{"--", "GB", `postal code must have 2 to 10 letters, digits, spaces or dashes`},
		{"12345", "Atlantis", `country is not one we know; use its name (Austria, Österreich) or a two-letter ISO code such as AT`},
	}
	for _, tt := range bad {
		if err := ValidatePostalCode(tt.code, tt.country); err == nil || err.Error() != tt.msg {
			t.Errorf("ValidatePostalCode(%q, %q) = %v; want %s", tt.code, tt.country, err, tt.msg)
		}
	}
}

func FuzzNormalizeCountry(f *testing.F) {
	for _, s := range []string{"DE", "Österreich", "UK", "Ελλάδα", "xx"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := NormalizeCountry(s)
		if err != nil {
			return
		}
		if c2, err := NormalizeCountry(c); err != nil || c2 != c {
			t.Fatalf("NormalizeCountry(%q) = %q; NormalizeCountry of that = %q, %v", s, c, c2, err)
		}
	})
}

func FuzzValidatePostalCode(f *testing.F) {
	f.Add("10115", "DE")
	f.Add("SW1A 1AA", "GB")
	f.Fuzz(func(t *testing.T, code, country string) {
		_ = ValidatePostalCode(code, country) // must not panic
	})
}

// The memo of the names and codes as written must give what the full path gives.
func TestCountryMemoAgreesWithFullPath(t *testing.T) {
	for in, code := range countryOf {
		if c, err := normalizeCountry(in); err != nil || c != code {
			t.Errorf("normalizeCountry(%q) = %q, %v; memo says %q", in, c, err, code)
		}
	}
	if len(countryOf) < 100 {
		t.Errorf("memo holds %d values; want every code and name", len(countryOf))
	}
}
