package consent_test

import (
	"fmt"
	"slices"
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

// A channel from the docs and the apps ("unsubscribe-link", "letter", "brief") names no one,
// even for a person who bears the word as her name: Erika Link's "no", sent by the newsletter
// software as the docs show it, was refused as quoting her name (REASON_HAS_PERSONAL_DATA) and
// so not recorded — she stayed a recipient. A channel that does name her is still refused.
func TestACommonChannelIsNoMentionOfAPersonWhoBearsItsWord(t *testing.T) {
	f := newFixture(t)
	var tok struct {
		CreateAPIToken struct{ Secret string } `json:"createApiToken"`
	}
	f.MustAdmin(t, &tok, `mutation { createApiToken(name: "newsletter software", role: INTEGRATOR, purposeKeys: ["newsletter"]) { secret } }`, nil)
	for i, tc := range []struct {
		family, channel string
		refused         bool
	}{
		{"Link", "unsubscribe-link", false},
		{"Letter", "letter", false},
		{"Brief", "brief", false},
		{"Post", "e-mail", false},
		{"Link", "anruf-erika-link", true},
		{"Post", "post-an-erika-post", true},
	} {
		t.Run(tc.family+" by "+tc.channel, func(t *testing.T) {
			var c struct {
				CreateContact struct{ Contact struct{ ID string } }
			}
			f.MustAdmin(t, &c, `mutation($f: String!, $e: String!) { createContact(input: {givenName: "Erika", familyName: $f, emails: [$e]}) { contact { id } } }`,
				map[string]any{"f": tc.family, "e": fmt.Sprintf("erika.%s.%d@example.org", strings.ToLower(tc.family), i)})
			id := c.CreateContact.Contact.ID
			f.addToList(t, id, "news-de")
			f.grant(t, id, "newsletter", "web form", nil)
			res := f.Do(t, tok.CreateAPIToken.Secret, `mutation($in: RevocationInput!) { revokeConsent(input: $in) { status } }`,
				map[string]any{"in": map[string]any{"contactId": id, "purposeKey": "newsletter", "channel": tc.channel}})
			if tc.refused {
				if len(res.Errors) != 1 || res.Errors[0].Extensions["reason"] != "REASON_HAS_PERSONAL_DATA" {
					t.Errorf("errors = %+v, want REASON_HAS_PERSONAL_DATA: the channel names her", res.Errors)
				}
				f.revoke(t, id, "newsletter", "phone") // leaves the list to the next case
				return
			}
			if len(res.Errors) != 0 {
				t.Fatalf("Erika %s's revocation by %q refused: %+v", tc.family, tc.channel, res.Errors)
			}
			if got := f.recipients(t, "news-de"); slices.Contains(got, tc.family) {
				t.Errorf("recipients after her revocation = %v, want her (%s) not among them", got, tc.family)
			}
		})
	}
}
