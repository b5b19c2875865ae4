package screening

import "testing"

// The one rule every reason and closing text about a person goes through (blacklist entries,
// erasure, overrides, merges, held import rows, data subject requests).
func TestMentions(t *testing.T) {
	muller := Candidate{GivenName: "Erika", FamilyName: "Müller-Lüdenscheidt", Emails: []string{"Erika.M+news@Example.org"},
		Phones: []string{"0664 1234567"}, Country: "AT"}
	erika := Candidate{GivenName: "Erika", FamilyName: "Mustermann", Emails: []string{"Erika.Muster+news@Example.com"},
		Phones: []string{"+49301234567"}}
	max := Candidate{GivenName: "Max", FamilyName: "Muster", Emails: []string{"max.muster@example.com"}}
	for _, tc := range []struct {
		who  Candidate
		text string
		want Kind
	}{
		{muller, "objection to advertising, letter of 3 March", ""},
		{muller, "mail from erika.m@example.org", KindEmail},
		{muller, "mail from <ERIKA.M+other@example.ORG>.", KindEmail},
		{muller, "someone.else@example.org asked", ""},
		{muller, "called from +43 664 123 45 67", KindPhone},
		{muller, "called from 0664/1234567", KindPhone},
		{muller, "ticket 664", ""},
		{muller, "Frau Mueller-Luedenscheidt objected", KindNameAddress},
		{muller, "frau muller-ludenscheidt objected", KindNameAddress},
		{muller, "ERIKA phoned", KindNameAddress},
		{muller, "Erikas phoned", ""},
		{muller, "Müller phoned", ""},
		{erika, "Data exported and sent by post on 3 March.", ""},
		{erika, "Answered via datenschutz@firma.example as agreed.", ""},
		{erika, "Sent to erika.muster@example.com", KindEmail},
		{erika, "Sent to ERIKA.MUSTER+other@example.com.", KindEmail}, // the same mailbox
		{erika, "Erika.Muster wrote again", KindEmail},                // the mailbox without its domain
		{erika, "Called back on 030/123 45-67", KindPhone},
		{erika, "Called back on 0049 30 1234567", KindPhone},
		{erika, "Called back on +49 40 7654321", ""}, // someone else's number
		{erika, "Frau Mustermann was informed", KindNameAddress},
		{erika, "Mustermannstraße is not a name", ""}, // not the word itself
		{max, "Mail from MAX.MUSTER@example.com: no more ads", KindEmail},
		{max, "Herr Muster objected", KindNameAddress},
		{max, "info wrote", ""}, // a local part shorter than 6 characters is not looked for alone
	} {
		got, ok := Mentions(tc.text, tc.who)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("Mentions(%q) of %s = %q, %v; want %q", tc.text, tc.who.FamilyName, got, ok, tc.want)
		}
	}
}

func FuzzMentions(f *testing.F) {
	f.Add("called from 030/555 12-34 by erika.m@example.org", "Erika", "Mustermann", "erika.m@example.org", "030 5551234")
	f.Fuzz(func(t *testing.T, text, given, family, email, phone string) {
		c := Candidate{GivenName: given, FamilyName: family, Emails: []string{email}, Phones: []string{phone}}
		if _, ok := Mentions(text, c); !ok {
			// a reason that is exactly a readable e-mail of the person always counts
			if n, err := NormalizeEmail(email); err == nil && n == text {
				t.Errorf("Mentions(%q) missed the e-mail %q", text, email)
			}
		}
	})
}
