package screening

import (
	"strings"
	"testing"
)

// No problem with a contact quotes what was typed: each value below holds the marker "zyxqa"
// and is wrong in its own way (before, `e-mail "zyxqa@" has no domain`).
func TestValueErrorsDoNotQuoteTheValue(t *testing.T) {
	for _, in := range []ContactInput{
		{FamilyName: "Zyxqa", Emails: []string{"zyxqa@", "zyxqa", "@zyxqa.org", "zyxqa@@example.org", "zyxqa@localhost",
			"zyxqa@1.2.3.4", "zyxqa m@example.org", "zyxqa\x00@example.org", "Zyxqa <zyxqa@example.org>", "zyxqa..m@example.org",
			strings.Repeat("zyxqa", 20) + "@example.org", "\xffzyxqa@example.org"}},
		{FamilyName: "Zyxqa", Phones: []string{"zyxqa", "+49 30 5550123 zyxqa", "030 5550123 ext. 4 zyxqa", "+999 5550123 zyxqa",
			"+49 30 " + strings.Repeat("5", 20) + "zyxqa", "\xffzyxqa"}},
		{FamilyName: "Zyxqa", Address: &AddressInput{Street: "Zyxqaweg 1", PostalCode: "zyxqa", City: "Berlin"}},
		{FamilyName: "Zyxqa", Address: &AddressInput{Street: "Zyxqaweg 1", PostalCode: "10117", City: "Berlin", Country: "Zyxqaland"}},
		{FamilyName: "Zyxqa", Address: &AddressInput{Street: "Zyxqaweg 1", PostalCode: "zyxqa 1", City: "Wien", Country: "AT"}},
		{FamilyName: strings.Repeat("Zyxqa", 50), GivenName: "Zyxqa\xff"},
	} {
		_, errs := Validate(in)
		if len(errs) == 0 {
			t.Errorf("%+v: no problem reported", in)
		}
		for _, e := range errs {
			if msg := BadInput("input.", []*ValueError{e}).Error(); strings.Contains(strings.ToLower(msg), "zyxqa") {
				t.Errorf("the problem quotes the value: %s", msg)
			}
		}
	}
}
