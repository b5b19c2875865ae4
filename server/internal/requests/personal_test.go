package requests

import (
	"errors"
	"strings"
	"testing"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/screening"
)

// checkText's own rules (required, length) and that it refuses a text quoting the person at
// the caller's field; what counts as quoting is screening.TestMentions.
func TestCheckTextRefusesThePersonsData(t *testing.T) {
	erika := &model.Contact{GivenName: "Erika", FamilyName: "Mustermann",
		Emails: []string{"Erika.Muster+news@Example.com"}, Phones: []string{"+49301234567"}}
	for _, tc := range []struct {
		text   string
		reason apperr.Reason // "" when accepted
	}{
		{"Data exported and sent by post on 3 March.", ""},
		{"Sent to erika.muster@example.com", apperr.ReasonHasPersonalData},
		{"Called back on 030/123 45-67", apperr.ReasonHasPersonalData},
		{"erika asked again", apperr.ReasonHasPersonalData},
		{"   ", apperr.ReasonRequired},
		{strings.Repeat("x", screening.MaxReason+1), apperr.ReasonTooLong},
	} {
		_, err := checkText("outcome", tc.text, []*model.Contact{erika})
		var e *apperr.Error
		switch {
		case tc.reason == "" && err != nil:
			t.Errorf("%q refused: %v", tc.text, err)
		case tc.reason != "" && (!errors.As(err, &e) || e.Reason != tc.reason || e.Field != "outcome"):
			t.Errorf("%q: got %v, want %s at outcome", tc.text, err, tc.reason)
		}
	}
}
