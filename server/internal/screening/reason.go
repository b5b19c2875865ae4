package screening

import (
	"strings"
	"unicode/utf8"

	"github.com/vermerk/vermerk/graph/apperr"
)

// MaxReason is the length of a reason or closing text in characters.
const MaxReason = 1000

// CheckReason is the one rule for a required free text that is kept in the audit trail (the
// reason of an erasure, a blacklist entry, a merge, an imported row's decision; the closing
// text of a data subject request): trimmed, not empty, at most MaxReason characters. hint
// says what to write when it is missing, e.g. "write why these records are one person".
func CheckReason(field, text, hint string) (string, error) {
	t := strings.TrimSpace(text)
	switch {
	case t == "":
		return "", apperr.BadInput(field, apperr.ReasonRequired, "a text is required; %s (it is kept in the audit trail)", hint)
	case utf8.RuneCountInString(t) > MaxReason:
		return "", apperr.BadInput(field, apperr.ReasonTooLong, "the text is longer than %d characters", MaxReason)
	}
	return t, nil
}

// RefuseMentions is the one check of a free text about people that outlives them (the reason
// of an erasure, a blacklist entry, an override, a merge or an imported row's decision; the
// closing text of a data subject request): if text quotes one of people (Mentions) it answers
// BAD_USER_INPUT REASON_HAS_PERSONAL_DATA at field, naming what was quoted but not quoting it.
func RefuseMentions(field, text string, people ...Candidate) error {
	for _, c := range people {
		kind, ok := Mentions(text, c)
		if !ok {
			continue
		}
		what := map[Kind]string{KindEmail: "an e-mail address", KindPhone: "a phone number", KindNameAddress: "the name or address"}[kind]
		return apperr.BadInput(field, apperr.ReasonHasPersonalData,
			"the text quotes %s of the person; it is kept in the audit trail, which holds no personal data: say why without naming the person (e.g. \"objection by e-mail of 3 March\")", what)
	}
	return nil
}
