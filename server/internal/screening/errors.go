package screening

import (
	"github.com/vermerk/vermerk/graph/apperr"
)

// A ValueError says what is wrong with one value a user entered, for example
//
//	emails[1]: e-mail has no domain
//
// It never quotes the value: what was typed is personal data, and an error travels further
// than the form it was typed into (an integrator's logs, an import's problem list). The field
// path says which value it is.
type ValueError struct {
	Field   string        // path in the input, e.g. "emails[1]"; empty when the caller has none
	Reason  apperr.Reason // stable code of the problem, e.g. EMAIL_NO_AT
	What    string        // "e-mail", "phone", "postal code", "country"
	Problem string        // what is wrong, e.g. "has no domain"
}

func (e *ValueError) Error() string {
	msg := e.What
	if msg != "" {
		msg += " "
	}
	msg += e.Problem
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	return msg
}

func invalid(reason apperr.Reason, what, problem string) *ValueError {
	return &ValueError{Reason: reason, What: what, Problem: problem}
}
