package screening

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/vermerk/vermerk/graph/apperr"
)

// DefaultCountry is the country of an address that names none.
const DefaultCountry = "DE"

// NormalizeCountry returns the ISO 3166-1 alpha-2 code of a country given by
// that code, its alpha-3 code, or its English, German or own name for the
// countries of Europe ("Deutschland", "Germany", "Österreich", "Schweiz").
// An empty value means DefaultCountry.
func NormalizeCountry(s string) (string, error) {
	if code, ok := countryOf[s]; ok {
		return code, nil
	}
	return normalizeCountry(s)
}

// countryOf holds the result of normalizeCountry for every code and name of countryNames as
// written there: what people write most, asked for on every row of an import.
var countryOf = func() map[string]string {
	m := make(map[string]string)
	for code, names := range countryNames {
		for _, n := range append([]string{code}, names...) {
			if c, err := normalizeCountry(n); err == nil {
				m[n] = c
			}
		}
	}
	return m
}()

func normalizeCountry(s string) (string, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return DefaultCountry, nil
	}
	for _, v := range foldVariants(t) {
		if code, ok := countryByName[v]; ok {
			return code, nil
		}
	}
	if n := len(t); (n == 2 || n == 3) && isASCIILetters(t) {
		if r, err := language.ParseRegion(t); err == nil && r.IsCountry() {
			return r.Canonicalize().String(), nil
		}
	}
	return "", invalid(apperr.ReasonCountryUnknown, "country", "is not one we know; use its name (Austria, Österreich) or a two-letter ISO code such as AT")
}

func isASCIILetters(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// ValidatePostalCode checks the form of a postal code for a country (anything
// NormalizeCountry accepts): five digits in Germany, four in Austria,
// Switzerland and Liechtenstein, elsewhere 2 to 10 letters, digits, spaces or
// dashes.
func ValidatePostalCode(code, country string) error {
	const what = "postal code"
	cc, err := NormalizeCountry(country)
	if err != nil {
		return err
	}
	t := strings.TrimSpace(code)
	if t == "" {
		return invalid(apperr.ReasonPostalCodeEmpty, what, "is empty")
	}
	if n, ok := postalDigits[cc]; ok {
		if len(t) != n || strings.Trim(t, "0123456789") != "" {
			return invalid(apperr.ReasonPostalCodeInvalid, what, "must have "+string(rune('0'+n))+" digits in "+countryNames[cc][0])
		}
		return nil
	}
	n := utf8.RuneCountInString(t)
	ok := n >= 2 && n <= 10
	alnum := false
	for _, r := range t {
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
			alnum = true
		case r == ' ' || r == '-':
		default:
			ok = false
		}
	}
	if !ok || !alnum {
		return invalid(apperr.ReasonPostalCodeInvalid, what, "must have 2 to 10 letters, digits, spaces or dashes")
	}
	return nil
}

var postalDigits = map[string]int{"DE": 5, "AT": 4, "CH": 4, "LI": 4}

// countryNames lists, per code, the English name first (used in messages),
// then other names people write on envelopes.
var countryNames = map[string][]string{
	"DE": {"Germany", "Deutschland", "Bundesrepublik Deutschland", "Federal Republic of Germany", "BRD"},
	"AT": {"Austria", "Österreich", "Republik Österreich"},
	"CH": {"Switzerland", "Schweiz", "Suisse", "Svizzera", "Svizra", "Confoederatio Helvetica"},
	"LI": {"Liechtenstein", "Fürstentum Liechtenstein"},
	"LU": {"Luxembourg", "Luxemburg", "Lëtzebuerg"},
	"BE": {"Belgium", "Belgien", "Belgique", "België"},
	"NL": {"Netherlands", "Niederlande", "Nederland", "Holland", "The Netherlands"},
	"FR": {"France", "Frankreich"},
	"IT": {"Italy", "Italien", "Italia"},
	"ES": {"Spain", "Spanien", "España"},
	"PT": {"Portugal"},
	"GB": {"United Kingdom", "Vereinigtes Königreich", "Großbritannien", "Great Britain", "England", "Scotland", "Schottland", "Wales", "Northern Ireland", "Nordirland", "UK"},
	"IE": {"Ireland", "Irland", "Éire"},
	"DK": {"Denmark", "Dänemark", "Danmark"},
	"SE": {"Sweden", "Schweden", "Sverige"},
	"NO": {"Norway", "Norwegen", "Norge"},
	"FI": {"Finland", "Finnland", "Suomi"},
	"IS": {"Iceland", "Island", "Ísland"},
	"PL": {"Poland", "Polen", "Polska"},
	"CZ": {"Czechia", "Czech Republic", "Tschechien", "Tschechische Republik", "Česko", "Česká republika"},
	"SK": {"Slovakia", "Slowakei", "Slovensko"},
	"HU": {"Hungary", "Ungarn", "Magyarország"},
	"SI": {"Slovenia", "Slowenien", "Slovenija"},
	"HR": {"Croatia", "Kroatien", "Hrvatska"},
	"RO": {"Romania", "Rumänien", "România"},
	"BG": {"Bulgaria", "Bulgarien", "България"},
	"GR": {"Greece", "Griechenland", "Ελλάδα", "Hellas", "EL"},
	"CY": {"Cyprus", "Zypern", "Κύπρος"},
	"MT": {"Malta"},
	"EE": {"Estonia", "Estland", "Eesti"},
	"LV": {"Latvia", "Lettland", "Latvija"},
	"LT": {"Lithuania", "Litauen", "Lietuva"},
	"MC": {"Monaco"},
	"SM": {"San Marino"},
	"VA": {"Vatican City", "Vatikanstadt", "Holy See"},
	"AD": {"Andorra"},
	"RS": {"Serbia", "Serbien", "Srbija"},
	"BA": {"Bosnia and Herzegovina", "Bosnien und Herzegowina"},
	"ME": {"Montenegro"},
	"MK": {"North Macedonia", "Nordmazedonien"},
	"AL": {"Albania", "Albanien", "Shqipëria"},
	"UA": {"Ukraine", "Україна"},
	"TR": {"Turkey", "Türkei", "Türkiye"},
	"US": {"United States", "USA", "Vereinigte Staaten", "United States of America"},
}

// countryByName maps every folded name (both umlaut spellings) to its code.
var countryByName = func() map[string]string {
	m := make(map[string]string)
	for code, names := range countryNames {
		for _, n := range names {
			for _, v := range foldVariants(n) {
				m[v] = code
			}
		}
	}
	return m
}()
