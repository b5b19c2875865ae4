package screening

import (
	"errors"
	"strings"
	"testing"

	"github.com/vermerk/vermerk/graph/apperr"
)

func TestCheckReason(t *testing.T) {
	for _, tc := range []struct {
		text, want string
		reason     apperr.Reason // "" when accepted
	}{
		{"  objection by letter of 3 March \n", "objection by letter of 3 March", ""},
		{strings.Repeat("ä", MaxReason), strings.Repeat("ä", MaxReason), ""}, // characters, not bytes
		{" \t ", "", apperr.ReasonRequired},
		{strings.Repeat("x", MaxReason+1), "", apperr.ReasonTooLong},
	} {
		got, err := CheckReason("reason", tc.text, "write why")
		var e *apperr.Error
		switch {
		case tc.reason == "" && (err != nil || got != tc.want):
			t.Errorf("CheckReason(%.20q) = %.20q, %v; want %.20q", tc.text, got, err, tc.want)
		case tc.reason != "" && (!errors.As(err, &e) || e.Reason != tc.reason || e.Field != "reason"):
			t.Errorf("CheckReason(%.20q): %v, want %s at reason", tc.text, err, tc.reason)
		}
	}
}

// RefuseMentions names the field and the reason code, and does not repeat what it found.
func TestRefuseMentions(t *testing.T) {
	erika := Candidate{GivenName: "Erika", FamilyName: "Mustermann", Emails: []string{"erika.muster@example.com"}}
	max := Candidate{GivenName: "Max", FamilyName: "Muster"}
	if err := RefuseMentions("reason", "same person, entered by sales and marketing", erika, max); err != nil {
		t.Errorf("a reason without personal data refused: %v", err)
	}
	err := RefuseMentions("outcome", "Herr Muster was informed", erika, max)
	var e *apperr.Error
	if !errors.As(err, &e) || e.Field != "outcome" || e.Reason != apperr.ReasonHasPersonalData {
		t.Fatalf("quoting the second person: %v, want %s at outcome", err, apperr.ReasonHasPersonalData)
	}
	if strings.Contains(strings.ToLower(e.Error()), "muster") {
		t.Errorf("the message repeats the personal data: %q", e.Error())
	}
}
