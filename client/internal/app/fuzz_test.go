package app

import (
	"testing"
	"time"
)

// FuzzParseGivenAt: any typed text gives a time not after now, or an error; never a panic.
func FuzzParseGivenAt(f *testing.F) {
	for _, s := range []string{"", "3.5.2026", "3.5.2026 14:30", "2026-05-03", "31.02.2026", "1.1.2999", " 3 . 5 . 26 "} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.Local)
	f.Fuzz(func(t *testing.T, s string) {
		at, err := ParseGivenAt(s, now)
		if err == nil && at != nil && at.After(now) {
			t.Fatalf("%q: %v lies after now", s, at)
		}
		if err != nil && at != nil {
			t.Fatalf("%q: a time with an error", s)
		}
	})
}

// FuzzCandidate: whatever is typed, the candidate holds only values that pass the loose
// checks, and only values that were typed.
func FuzzCandidate(f *testing.F) {
	f.Add("erika@example.de, max@", "+49 30 1234567", "Mustermann", "Hauptstr. 1", "10115", "Berlin", "D")
	f.Add("@@", "030/", "", "", "", "", "")
	f.Fuzz(func(t *testing.T, emails, phones, family, street, postal, city, country string) {
		form := ContactForm{FamilyName: family, Emails: emails, Phones: phones, Street: street, PostalCode: postal, City: city, Country: country}
		c := Candidate(form.Input())
		for _, e := range c.Emails {
			if !LooksLikeEmail(e) {
				t.Fatalf("candidate e-mail %q does not look like one", e)
			}
		}
		for _, p := range c.Phones {
			if !LooksLikePhone(p) {
				t.Fatalf("candidate phone %q does not look like one", p)
			}
		}
		if c.Address != nil && (c.FamilyName == nil || *c.FamilyName == "") {
			t.Fatal("an address without a family name")
		}
	})
}
