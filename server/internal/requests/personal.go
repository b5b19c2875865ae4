package requests

import (
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/screening"
)

// checkText trims a required closing text or reason and refuses one that is empty, too long
// or quotes the person (screening.RefuseMentions): such texts stay in the register and the
// audit trail after the person is erased.
func checkText(field, text string, person *model.Contact) (string, error) {
	t, err := screening.CheckReason(field, text, "write what was done")
	if err != nil || person == nil {
		return t, err
	}
	if err := screening.RefuseMentions(field, t, screening.ContactCandidate(person)); err != nil {
		return "", err
	}
	return t, nil
}
