package screening

import (
	"strconv"
	"unicode/utf8"
)

// A ValueError says what is wrong with one value a user entered, for example
//
//	emails[1]: e-mail "anna@" has no domain
//
// Field and Problem never contain personal data, so they may be logged; Value
// and the text of Error may, so they must only be shown to the user who typed them.
type ValueError struct {
	Field   string // path in the input, e.g. "emails[1]"; empty when the caller has none
	What    string // "e-mail", "phone", "postal code", "country"
	Value   string // the value as entered, trimmed and shortened for display
	Problem string // what is wrong, e.g. "has no domain"
}

func (e *ValueError) Error() string {
	msg := e.What
	if e.Value != "" {
		msg += " " + strconv.Quote(e.Value)
	}
	msg += " " + e.Problem
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	return msg
}

// maxShownRunes keeps error messages readable when someone pastes a whole paragraph.
const maxShownRunes = 60

func invalid(what, value, problem string) *ValueError {
	return &ValueError{What: what, Value: shorten(value), Problem: problem}
}

func shorten(s string) string {
	if utf8.RuneCountInString(s) <= maxShownRunes {
		return s
	}
	n := 0
	for i := range s {
		if n == maxShownRunes-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// withField returns err with its field path set, if it is a *ValueError.
func withField(err error, field string) error {
	if ve, ok := err.(*ValueError); ok {
		c := *ve
		c.Field = field
		return &c
	}
	return err
}
