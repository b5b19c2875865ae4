package requests

import (
	"context"
	"fmt"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// checkText trims a required closing text or reason and refuses one that is empty, too long
// or quotes the person on any of their records (people, store.PersonContacts;
// screening.RefuseMentions): such texts stay in the register and the audit trail after the
// person is erased.
func checkText(field, text string, people []*model.Contact) (string, error) {
	t, err := screening.CheckReason(field, text, "write what was done")
	if err != nil {
		return t, err
	}
	if err := screening.RefuseMentions(field, t, screening.ContactCandidates(people)...); err != nil {
		return "", err
	}
	return t, nil
}

// personOf loads the records of the person of the contact id (nil: none).
func personOf(ctx context.Context, q store.Querier, id *string) ([]*model.Contact, error) {
	if id == nil {
		return nil, nil
	}
	return store.PersonContacts(ctx, q, *id)
}

// refuseBlacklisted refuses a text that quotes an e-mail address or phone number on the
// blacklist (screening.Quoted, then Service.Blacklisted): the person it names was erased or
// objected, and the text would keep them in the register. This is what can be checked once
// the request's contact is gone — after her erasure, the closing text of her other request
// has no person left to be compared with. Names cannot be checked that way.
func (s *Service) refuseBlacklisted(ctx context.Context, field, text string) error {
	c := screening.Quoted(text)
	if s.Blacklisted == nil || len(c.Emails)+len(c.Phones) == 0 {
		return nil
	}
	blocked, err := s.Blacklisted(ctx, c)
	if err != nil {
		return fmt.Errorf("screen %s: %w", field, err)
	}
	if blocked {
		return apperr.BadInput(field, apperr.ReasonHasPersonalData, "the text quotes an e-mail address or phone number on the "+
			"blacklist (of a person who was erased or objected); it is kept after the person is gone, so leave it out")
	}
	return nil
}
