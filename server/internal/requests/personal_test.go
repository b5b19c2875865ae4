package requests

import (
	"errors"
	"testing"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
)

func TestCheckTextRefusesThePersonsData(t *testing.T) {
	erika := &model.Contact{GivenName: "Erika", FamilyName: "Mustermann",
		Emails: []string{"Erika.Muster+news@Example.com"}, Phones: []string{"+49301234567"}}
	for _, tc := range []struct {
		text   string
		reason apperr.Reason // "" when accepted
	}{
		{"Data exported and sent by post on 3 March.", ""},
		{"Answered via datenschutz@firma.example as agreed.", ""},
		{"Sent to erika.muster@example.com", apperr.ReasonHasPersonalData},
		{"Sent to ERIKA.MUSTER+other@example.com.", apperr.ReasonHasPersonalData}, // the same mailbox
		{"Called back on 030/123 45-67", apperr.ReasonHasPersonalData},
		{"Called back on 0049 30 1234567", apperr.ReasonHasPersonalData},
		{"Called back on +49 40 7654321", ""}, // someone else's number
		{"Frau Mustermann was informed", apperr.ReasonHasPersonalData},
		{"erika asked again", apperr.ReasonHasPersonalData},
		{"Mustermannstraße is not a name", ""}, // not the word itself
		{"   ", apperr.ReasonRequired},
	} {
		_, err := checkText("outcome", tc.text, erika)
		var e *apperr.Error
		switch {
		case tc.reason == "" && err != nil:
			t.Errorf("%q refused: %v", tc.text, err)
		case tc.reason != "" && (!errors.As(err, &e) || e.Reason != tc.reason || e.Field != "outcome"):
			t.Errorf("%q: got %v, want %s at outcome", tc.text, err, tc.reason)
		}
	}
}
