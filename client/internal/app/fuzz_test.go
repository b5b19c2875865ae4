package app

import (
	"slices"
	"strings"
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

// FuzzCandidate: whatever is typed, the candidate holds exactly the typed values that are not
// empty, as typed, and the name and address as typed.
func FuzzCandidate(f *testing.F) {
	f.Add("erika@example.de, max@", "+49 30 1234567", "Mustermann", "Hauptstr. 1", "10115", "Berlin", "D")
	f.Add("@@", "030\u00a0555", "", "", "", "", "Österr")
	f.Fuzz(func(t *testing.T, emails, phones, family, street, postal, city, country string) {
		form := ContactForm{FamilyName: family, Emails: emails, Phones: phones, Street: street, PostalCode: postal, City: city, Country: country}
		in := form.Input()
		c := Candidate(in)
		if !slices.Equal(c.Emails, in.Emails) || !slices.Equal(c.Phones, in.Phones) {
			t.Fatalf("candidate %q %q, typed %q %q", c.Emails, c.Phones, in.Emails, in.Phones)
		}
		for _, v := range append(slices.Clone(c.Emails), c.Phones...) {
			if strings.TrimSpace(v) == "" {
				t.Fatal("an empty value in the candidate")
			}
		}
		if c.Address != in.Address || c.FamilyName != in.FamilyName {
			t.Fatal("the name or address is not the one typed")
		}
	})
}
