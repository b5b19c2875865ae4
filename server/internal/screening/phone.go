package screening

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/vermerk/vermerk/graph/apperr"
)

// DefaultRegion is the region a phone number without country code belongs to
// when the caller names none.
const DefaultRegion = "DE"

// NormalizePhone returns a phone number in E.164 form ("+49305550123").
// A number without country code is read as one of defaultRegion (an ISO 3166-1
// alpha-2 code; DefaultRegion when empty), so "030/555 01-23", "+49 30 5550123",
// "0049305550123" and "(030) 5550123" are one number. Letters (vanity numbers,
// "ext.") are refused, as are numbers the numbering plan does not allow.
func NormalizePhone(s, defaultRegion string) (string, error) {
	if n, ok := normalizePhoneFast(s, defaultRegion); ok {
		return n, nil
	}
	return normalizePhoneSlow(s, defaultRegion)
}

// normalizePhoneSlow is NormalizePhone through phonenumbers.Parse: the
// reference for every input, and the path for all input the fast path
// declines.
func normalizePhoneSlow(s, defaultRegion string) (string, error) {
	const what = "phone"
	t := strings.TrimSpace(s)
	switch {
	case t == "":
		return "", invalid(apperr.ReasonPhoneEmpty, what, "is empty")
	case !utf8.ValidString(t):
		return "", invalid(apperr.ReasonTextNotUTF8, what, "is not valid UTF-8 text")
	}
	digits := 0
	for _, r := range t {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case unicode.IsDigit(r):
			// phonenumbers reads other scripts' digits, but they make the
			// number ambiguous to the person who reads it back: refuse.
			return "", invalid(apperr.ReasonPhoneInvalid, what, "is not a valid phone number")
		case unicode.IsSpace(r), strings.ContainsRune("+-/().", r), unicode.Is(unicode.Pd, r):
		default:
			return "", invalid(apperr.ReasonPhoneInvalid, what, "is not a valid phone number")
		}
	}
	if digits == 0 {
		return "", invalid(apperr.ReasonPhoneInvalid, what, "is not a valid phone number")
	}
	region := strings.ToUpper(strings.TrimSpace(defaultRegion))
	if region == "" {
		region = DefaultRegion
	}
	num, err := phonenumbers.Parse(t, region)
	switch {
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
		if strings.HasPrefix(t, "+") {
			return "", invalid(apperr.ReasonPhoneCountryCodeUnknown, what, "has an unknown country code")
		}
		return "", invalid(apperr.ReasonPhoneCountryCodeMissing, what, "needs a country code, for example +49")
	case errors.Is(err, phonenumbers.ErrTooShortNSN), errors.Is(err, phonenumbers.ErrTooShortAfterIDD):
		return "", invalid(apperr.ReasonPhoneTooShort, what, "is too short to be a phone number")
	case errors.Is(err, phonenumbers.ErrNumTooLong):
		return "", invalid(apperr.ReasonPhoneTooLong, what, "is too long to be a phone number")
	case err != nil:
		return "", invalid(apperr.ReasonPhoneInvalid, what, "is not a valid phone number")
	}
	switch phonenumbers.IsPossibleNumberWithReason(num) {
	case phonenumbers.IS_POSSIBLE:
	case phonenumbers.TOO_SHORT:
		return "", invalid(apperr.ReasonPhoneTooShort, what, "is too short to be a phone number")
	case phonenumbers.TOO_LONG:
		return "", invalid(apperr.ReasonPhoneTooLong, what, "is too long to be a phone number")
	case phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
		return "", invalid(apperr.ReasonPhoneAreaCodeMissing, what, "is too short; is the area code missing?")
	case phonenumbers.INVALID_COUNTRY_CODE:
		return "", invalid(apperr.ReasonPhoneCountryCodeUnknown, what, "has an unknown country code")
	default:
		return "", invalid(apperr.ReasonPhoneWrongLength, what, "has the wrong number of digits")
	}
	if !phonenumbers.IsValidNumber(num) {
		return "", invalid(apperr.ReasonPhoneInvalid, what, "is not a valid phone number")
	}
	if num.GetExtension() != "" {
		return "", invalid(apperr.ReasonPhoneHasExtension, what, "has an extension; enter the number without it")
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// fastPhoneRegions are the regions normalizePhoneFast handles, by region code,
// with their country calling code. A region qualifies when phonenumbers'
// metadata gives it exactly the rules the fast path implements: the
// international prefix "00", the national (trunk) prefix "0" parsed as just
// "0" with no transform rule, a calling code of its own that no shorter
// calling code is a prefix of. The candidates are the regions most imports
// are from; any other region, and any number of another country, goes the
// slow way.
var fastPhoneRegions = sync.OnceValue(func() map[string]int32 {
	regions := map[string]int32{}
	all, err := phonenumbers.MetadataCollection()
	if err != nil {
		return regions
	}
	for _, m := range all.GetMetadata() {
		switch m.GetId() {
		case "DE", "AT", "CH":
		default:
			continue
		}
		cc := int(m.GetCountryCode())
		if m.GetInternationalPrefix() != "00" || m.GetNationalPrefix() != "0" ||
			m.GetNationalPrefixForParsing() != "0" || m.GetNationalPrefixTransformRule() != "" ||
			cc < 10 || cc > 99 || phonenumbers.GetRegionCodeForCountryCode(cc/10) != "ZZ" ||
			len(phonenumbers.GetRegionCodesForCountryCode(cc)) != 1 ||
			phonenumbers.GetRegionCodeForCountryCode(cc) != m.GetId() {
			continue
		}
		regions[m.GetId()] = int32(cc)
	}
	return regions
})

// normalizePhoneFast is NormalizePhone without phonenumbers.Parse for the
// common shapes of German, Austrian and Swiss numbers: ASCII digits with the
// separators space - / . ( ), and an optional leading "+", written
// internationally ("+49 …", "0049 …" in a fast region) or nationally with the
// trunk prefix ("030 …" in a fast region). It builds the number Parse would
// and reports ok only for a possible, valid number, whose E.164 form it
// returns; for anything else (errors included) it reports !ok and the caller
// takes the slow path, so results and error texts are the slow path's.
//
// Why the number equals Parse's: such input has no extension, RFC 3966 part
// or letters, and is viable; the country code is read from "+" or the IDD
// "00" exactly as Parse does (no shorter calling code is a prefix of the fast
// regions' ones), and without either the input starts with the trunk "0",
// so neither the IDD nor the region's calling code can match. Parse then
// strips one national prefix "0" unless the stripped number fails the
// general pattern while the unstripped one matches it, or the stripped one is
// not of possible length: a valid number matches the general pattern and
// IS_POSSIBLE is a possible length, so for the numbers returned the "0" was
// stripped. The rest begins with 1-9, so there is no Italian leading zero.
func normalizePhoneFast(s, defaultRegion string) (string, bool) {
	t := strings.TrimSpace(s)
	if len(t) == 0 || len(t) > 64 {
		return "", false
	}
	var buf [24]byte
	digits := buf[:0]
	plus := false
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case c >= '0' && c <= '9':
			if len(digits) == len(buf) {
				return "", false
			}
			digits = append(digits, c)
		case c == '+' && i == 0:
			plus = true
		case c == ' ', c == '-', c == '/', c == '.', c == '(', c == ')':
		default:
			return "", false
		}
	}
	regions := fastPhoneRegions()
	var cc int32
	switch {
	case plus:
		cc, digits = fastCallingCode(regions, digits)
	case len(digits) >= 2 && digits[0] == '0' && digits[1] == '0':
		region := strings.ToUpper(strings.TrimSpace(defaultRegion))
		if region == "" {
			region = DefaultRegion
		}
		if _, ok := regions[region]; !ok {
			return "", false
		}
		cc, digits = fastCallingCode(regions, digits[2:])
	default:
		region := strings.ToUpper(strings.TrimSpace(defaultRegion))
		if region == "" {
			region = DefaultRegion
		}
		cc = regions[region]
		if len(digits) == 0 || digits[0] != '0' {
			return "", false
		}
	}
	if cc == 0 {
		return "", false
	}
	// Strip the trunk prefix "0" (once, as Parse does); what is left must
	// start with 1-9.
	if len(digits) > 0 && digits[0] == '0' {
		digits = digits[1:]
	}
	if len(digits) < 4 || len(digits) > 15 || digits[0] == '0' {
		return "", false
	}
	nn, err := strconv.ParseUint(string(digits), 10, 64)
	if err != nil {
		return "", false
	}
	num := &phonenumbers.PhoneNumber{CountryCode: &cc, NationalNumber: &nn}
	if phonenumbers.IsPossibleNumberWithReason(num) != phonenumbers.IS_POSSIBLE ||
		!validFastNumber(cc, string(digits), num) {
		return "", false
	}
	return "+" + strconv.Itoa(int(cc)) + string(digits), true
}

// fastCallingCode splits a fast region's two-digit calling code off digits
// (the number after "+" or "00"); cc is 0 when digits do not start with one.
func fastCallingCode(regions map[string]int32, digits []byte) (cc int32, rest []byte) {
	if len(digits) < 2 || digits[0] < '1' || digits[0] > '9' || digits[1] < '0' || digits[1] > '9' {
		return 0, digits
	}
	c := int32(digits[0]-'0')*10 + int32(digits[1]-'0')
	for _, rc := range regions {
		if rc == c {
			return c, digits[2:]
		}
	}
	return 0, digits
}
