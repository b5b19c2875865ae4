package screening

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
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
	const what = "phone"
	t := strings.TrimSpace(s)
	switch {
	case t == "":
		return "", invalid(what, "", "is empty")
	case !utf8.ValidString(t):
		return "", invalid(what, t, "is not valid UTF-8 text")
	}
	digits := 0
	for _, r := range t {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case unicode.IsDigit(r):
			// phonenumbers reads other scripts' digits, but they make the
			// number ambiguous to the person who reads it back: refuse.
			return "", invalid(what, t, "is not a valid phone number")
		case unicode.IsSpace(r), strings.ContainsRune("+-/().", r), unicode.Is(unicode.Pd, r):
		default:
			return "", invalid(what, t, "is not a valid phone number")
		}
	}
	if digits == 0 {
		return "", invalid(what, t, "is not a valid phone number")
	}
	region := strings.ToUpper(strings.TrimSpace(defaultRegion))
	if region == "" {
		region = DefaultRegion
	}
	num, err := phonenumbers.Parse(t, region)
	switch {
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
		if strings.HasPrefix(t, "+") {
			return "", invalid(what, t, "has an unknown country code")
		}
		return "", invalid(what, t, "needs a country code, for example +49")
	case errors.Is(err, phonenumbers.ErrTooShortNSN), errors.Is(err, phonenumbers.ErrTooShortAfterIDD):
		return "", invalid(what, t, "is too short to be a phone number")
	case errors.Is(err, phonenumbers.ErrNumTooLong):
		return "", invalid(what, t, "is too long to be a phone number")
	case err != nil:
		return "", invalid(what, t, "is not a valid phone number")
	}
	switch phonenumbers.IsPossibleNumberWithReason(num) {
	case phonenumbers.IS_POSSIBLE:
	case phonenumbers.TOO_SHORT:
		return "", invalid(what, t, "is too short to be a phone number")
	case phonenumbers.TOO_LONG:
		return "", invalid(what, t, "is too long to be a phone number")
	case phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
		return "", invalid(what, t, "is too short; is the area code missing?")
	case phonenumbers.INVALID_COUNTRY_CODE:
		return "", invalid(what, t, "has an unknown country code")
	default:
		return "", invalid(what, t, "has the wrong number of digits")
	}
	if !phonenumbers.IsValidNumber(num) {
		return "", invalid(what, t, "is not a valid phone number")
	}
	if num.GetExtension() != "" {
		return "", invalid(what, t, "has an extension; enter the number without it")
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}
