package blacklist

import (
	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/screening"
)

// checkReasonMentions refuses a reason that quotes an e-mail, phone or name of one of the
// people it is about: the reason stays in the blacklist entry and the audit trail, which must
// hold no personal data of a blocked or erased person.
func checkReasonMentions(field, reason string, people []*model.Contact) error {
	for _, c := range people {
		if err := ReasonMentions(field, reason, contactCandidate(c)); err != nil {
			return err
		}
	}
	return nil
}

// ReasonMentions is the check of one reason against one candidate, for every service that
// takes a reason about a person (erasure, blacklist entries, overrides): BAD_USER_INPUT
// REASON_HAS_PERSONAL_DATA at field, naming what was quoted but not quoting it.
func ReasonMentions(field, reason string, c screening.Candidate) error {
	kind, ok := screening.Mentions(reason, c)
	if !ok {
		return nil
	}
	what := map[screening.Kind]string{screening.KindEmail: "an e-mail address", screening.KindPhone: "a phone number",
		screening.KindNameAddress: "the name"}[kind]
	return apperr.BadInput(field, apperr.ReasonHasPersonalData,
		"the reason quotes %s of the person; it is kept in the audit trail, which holds no personal data: say why without naming the person (e.g. \"objection by e-mail of 3 March\")", what)
}
