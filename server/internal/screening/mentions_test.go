package screening

import (
	"slices"
	"testing"
)

// The one rule every reason and closing text about a person goes through (blacklist entries,
// erasure, overrides, merges, held import rows, data subject requests).
func TestMentions(t *testing.T) {
	muller := Candidate{GivenName: "Erika", FamilyName: "Müller-Lüdenscheidt", Emails: []string{"Erika.M+news@Example.org"},
		Phones: []string{"0664 1234567"}, Country: "AT"}
	erika := Candidate{GivenName: "Erika", FamilyName: "Mustermann", Emails: []string{"Erika.Muster+news@Example.com"},
		Phones: []string{"+49301234567"}}
	max := Candidate{GivenName: "Max", FamilyName: "Muster", Emails: []string{"max.muster@example.com"}}
	joerg := Candidate{GivenName: "Jörg", FamilyName: "Weißbäcker", Street: "Lindenstraße 12", PostalCode: "50667", City: "Köln"}
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
		{erika, "Called back on 030\u00a0123\u00a045\u201367", KindPhone}, // no-break spaces and an en dash, as the phone itself may have them
		{erika, "Called back on 030\u2014123 4567", KindPhone},            // an em dash
		{erika, "Called back on 030\u2212123\u20094567", KindPhone},       // a minus sign and a thin space
		{erika, "Called back on +49 40 7654321", ""},                      // someone else's number
		{erika, "Frau Mustermann was informed", KindNameAddress},
		{erika, "Mustermannstraße is not a name", ""}, // not the word itself
		{max, "Mail from MAX.MUSTER@example.com: no more ads", KindEmail},
		{max, "Herr Muster objected", KindNameAddress},
		{max, "info wrote", ""},                                          // a local part shorter than 6 characters is not looked for alone
		{joerg, "letter from Lindenstr. 12 of 3 March", KindNameAddress}, // the street with its number
		{joerg, "same as LINDENSTRASSE 12", KindNameAddress},
		{joerg, "the Lindenstraße branch asked", ""}, // a street without the number names no one
		{joerg, "letter from Lindenstr. 14", ""},
		{joerg, "objection by letter of 3 March", ""},
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

func TestQuoted(t *testing.T) {
	got := Quoted("Erika.Testfrau+news@Example.ORG was erased already (Tel. 030 555 7001, mobil +49 171 5550123); " +
		"see mailto:e.t@example.net. Request of 2026-12-01, 3 pages, ref 12345.")
	wantEmails := []string{"erika.testfrau@example.org", "e.t@example.net"}
	wantPhones := []string{"+49305557001", "+491715550123"}
	if !slices.Equal(got.Emails, wantEmails) {
		t.Errorf("e-mails %q, want %q", got.Emails, wantEmails)
	}
	for _, p := range wantPhones {
		if !slices.Contains(got.Phones, p) {
			t.Errorf("phones %q, want %s among them", got.Phones, p)
		}
	}
	// a phone written with no-break spaces and dashes, as phones themselves may be
	if got := Quoted("Tel. 030\u00a0555\u00a07001, mobil 0171\u2013555\u20130123"); !slices.Contains(got.Phones, "+49305557001") || !slices.Contains(got.Phones, "+491715550123") {
		t.Errorf("phones %q, want +49305557001 and +491715550123 among them", got.Phones)
	}
	if c := Quoted("Export sent by registered letter on 1 December"); len(c.Emails)+len(c.Phones) != 0 {
		t.Errorf("a text without identifiers quotes %+v", c)
	}
}

func FuzzQuoted(f *testing.F) {
	f.Add("Erika.Testfrau+news@Example.ORG, Tel. 030 555 7001 / +49 171 5550123 (2026-12-01)")
	f.Fuzz(func(t *testing.T, text string) {
		c := Quoted(text)
		// what it returns is normalised: a lookup key as every way in makes it
		for _, e := range c.Emails {
			if n, err := NormalizeEmail(e); err != nil || n != e {
				t.Errorf("Quoted(%q) returned the e-mail %q, which normalises to %q (%v)", text, e, n, err)
			}
		}
		for _, p := range c.Phones {
			if n, err := NormalizePhone(p, DefaultCountry); err != nil || n != p {
				t.Errorf("Quoted(%q) returned the phone %q, which normalises to %q (%v)", text, p, n, err)
			}
		}
	})
}
