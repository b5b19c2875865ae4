package consent_test

import (
	"strings"
	"testing"
)

// A revocation's channel goes out in every event and webhook: a short token, never free text
// (which might name the person).
func TestRevocationChannelIsAShortToken(t *testing.T) {
	f := newFixture(t)
	id := f.contact(t, "Erika", "Mustermann")
	f.grant(t, id, "newsletter", "web form", nil)
	for _, tc := range []struct {
		channel string
		ok      bool
	}{
		{"phone", true},
		{"in-person", true},
		{" e-mail ", true},
		{strings.Repeat("a", 40), true},
		{strings.Repeat("a", 41), false},
		{"", false},
		{"in person", false},
		{"Brief", false},
		{"mail from erika.mustermann@example.org", false},
		{"telefon_zentrale", false},
	} {
		t.Run(tc.channel, func(t *testing.T) {
			res := f.Admin(t, `mutation($in: RevocationInput!) { revokeConsent(input: $in) { status history { source } } }`,
				map[string]any{"in": map[string]any{"contactId": id, "purposeKey": "newsletter", "channel": tc.channel}})
			if tc.ok {
				if len(res.Errors) != 0 {
					t.Fatalf("errors = %+v, want the revocation recorded", res.Errors)
				}
				return
			}
			if len(res.Errors) != 1 || res.Errors[0].Code() != "BAD_USER_INPUT" || res.Errors[0].Field() != "input.channel" ||
				res.Errors[0].Extensions["reason"] != "CHANNEL_FORMAT" {
				t.Fatalf("errors = %+v, want BAD_USER_INPUT CHANNEL_FORMAT on input.channel", res.Errors)
			}
			if strings.Contains(res.Errors[0].Message, "erika") {
				t.Errorf("the message quotes the channel: %q", res.Errors[0].Message)
			}
		})
	}
}
