package requests

import (
	"strings"
	"unicode/utf8"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/screening"
)

const maxText = 1000 // characters of a closing text or reason

// checkText trims a required closing text or reason and refuses one that is empty, too long
// or quotes the person (screening.RefuseMentions): such texts stay in the register and the
// audit trail after the person is erased.
func checkText(field, text string, person *model.Contact) (string, error) {
	t := strings.TrimSpace(text)
	switch {
	case t == "":
		return "", apperr.BadInput(field, apperr.ReasonRequired, "a text is required; write what was done (it is kept in the register and the audit trail)")
	case utf8.RuneCountInString(t) > maxText:
		return "", apperr.BadInput(field, apperr.ReasonTooLong, "the text is longer than %d characters", maxText)
	}
	if person == nil {
		return t, nil
	}
	if err := screening.RefuseMentions(field, t, screening.ContactCandidate(person)); err != nil {
		return "", err
	}
	return t, nil
}
