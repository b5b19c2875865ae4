package screening

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vermerk/vermerk/graph/apperr"
)

// A ValueError says what is wrong with one value a user entered, for example
//
//	emails[1]: e-mail "anna@" has no domain
//
// Field and Problem never contain personal data, so they may be logged; Value
// and the text of Error may, so they must only be shown to the user who typed them.
type ValueError struct {
	Field   string        // path in the input, e.g. "emails[1]"; empty when the caller has none
	Reason  apperr.Reason // stable code of the problem, e.g. EMAIL_NO_AT
	What    string        // "e-mail", "phone", "postal code", "country"
	Value   string        // the value as entered, trimmed and shortened for display
	Problem string        // what is wrong, e.g. "has no domain"
}

func (e *ValueError) Error() string {
	msg := e.What
	if e.Value != "" {
		msg += " " + quoteShort(e.Value)
	}
	if msg != "" {
		msg += " "
	}
	msg += e.Problem
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	return msg
}

// maxShownRunes keeps error messages readable when someone pastes a whole paragraph.
const maxShownRunes = 60

func invalid(reason apperr.Reason, what, value, problem string) *ValueError {
	return &ValueError{Reason: reason, What: what, Value: shorten(strings.ToValidUTF8(value, "\uFFFD")), Problem: problem}
}

// quoteShort quotes s like strconv.Quote, cut so that the escapes of
// invisible characters do not make it longer than maxShownRunes either.
func quoteShort(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	n := 0
	for i, r := range s {
		q := strconv.QuoteRune(r)
		q = q[1 : len(q)-1]
		if r == '\'' {
			q = "'"
		} else if r == '"' {
			q = `\"`
		}
		if n+utf8.RuneCountInString(q) > maxShownRunes-1 && i+utf8.RuneLen(r) < len(s) {
			b.WriteString("…")
			break
		}
		b.WriteString(q)
		n += utf8.RuneCountInString(q)
	}
	b.WriteByte('"')
	return b.String()
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
