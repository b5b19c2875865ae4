package screening

import "testing"

func TestMentions(t *testing.T) {
	erika := Candidate{GivenName: "Erika", FamilyName: "Müller-Lüdenscheidt", Emails: []string{"Erika.M+news@Example.org"},
		Phones: []string{"0664 1234567"}, Country: "AT"}
	for _, tc := range []struct {
		text string
		want Kind
	}{
		{"objection to advertising, letter of 3 March", ""},
		{"mail from erika.m@example.org", KindEmail},
		{"mail from <ERIKA.M+other@example.ORG>.", KindEmail},
		{"someone.else@example.org asked", ""},
		{"called from +43 664 123 45 67", KindPhone},
		{"called from 0664/1234567", KindPhone},
		{"ticket 664", ""},
		{"Frau Mueller-Luedenscheidt objected", KindNameAddress},
		{"frau muller-ludenscheidt objected", KindNameAddress},
		{"ERIKA phoned", KindNameAddress},
		{"Erikas phoned", ""},
		{"Müller phoned", ""},
	} {
		got, ok := Mentions(tc.text, erika)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("Mentions(%q) = %q, %v; want %q", tc.text, got, ok, tc.want)
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
