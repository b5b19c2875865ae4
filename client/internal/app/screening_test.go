package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/i18n"
)

// The form sends what was typed, half-typed values too, and leaves the reading to the server
// (screen asTyped): no phone, country or postal code is judged, rewritten or dropped here.
func TestCandidateSendsWhatWasTyped(t *testing.T) {
	tests := []struct {
		form       ContactForm
		emails     []string
		phones     []string
		hasAddress bool
	}{
		{ContactForm{Emails: "erika"}, []string{"erika"}, nil, false},
		{ContactForm{Emails: "erika@example.de, max@"}, []string{"erika@example.de", "max@"}, nil, false},
		{ContactForm{Phones: "+49 30"}, nil, []string{"+49 30"}, false},
		{ContactForm{Phones: "030\u00a0555\u00a00123"}, nil, []string{"030\u00a0555\u00a00123"}, false},
		{ContactForm{Phones: "030\u2013555\u20130123, call me"}, nil, []string{"030\u2013555\u20130123", "call me"}, false},
		{ContactForm{FamilyName: "Mustermann", Street: "Hauptstr. 1", PostalCode: "101"}, nil, nil, true},
		{ContactForm{Organization: "Musterfirma B.V.", Phones: "020 555 0123", Street: "Voorbeeldstraat 1", PostalCode: "1011 AB",
			City: "Amsterdam", Country: "Netherlands"}, nil, []string{"020 555 0123"}, true},
		{ContactForm{Emails: " , ;"}, nil, nil, false},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%+v", tc.form), func(t *testing.T) {
			c := Candidate(tc.form.Input())
			if !slices.Equal(c.Emails, tc.emails) || !slices.Equal(c.Phones, tc.phones) || (c.Address != nil) != tc.hasAddress {
				t.Errorf("candidate = emails %q, phones %q, address %v", c.Emails, c.Phones, c.Address)
			}
		})
	}
	// The country goes as typed (the server knows Österreich and Netherlands by name).
	c := Candidate(ContactForm{FamilyName: "Beispielfrau", Street: "Probegasse 1", PostalCode: "1010", City: "Wien", Country: "Österreich"}.Input())
	if c.Address == nil || c.Address.Country == nil || !strings.EqualFold(*c.Address.Country, "Österreich") {
		t.Errorf("address = %+v", c.Address)
	}
	if got := Candidate(api.ContactInput{Phones: []string{" ", "030 5550123", ""}}); !slices.Equal(got.Phones, []string{"030 5550123"}) {
		t.Errorf("empty phones sent: %q", got.Phones)
	}
}

// refusingBackend refuses, like the server, e-mails its rules find wrong that the client's
// loose check lets through.
type refusingBackend struct {
	fakeBackend
	refuse string
}

func (r *refusingBackend) Screen(ctx context.Context, c api.ContactInput) (api.ScreeningFields, error) {
	var problems []api.Problem
	for i, e := range c.Emails {
		if e == r.refuse {
			problems = append(problems, api.Problem{Reason: "EMAIL_DOMAIN_INVALID", Field: fmt.Sprintf("candidate.emails[%d]", i)})
		}
	}
	if len(problems) > 0 {
		r.mu.Lock()
		r.screens = append(r.screens, c)
		r.mu.Unlock()
		return api.ScreeningFields{}, &api.Error{Op: "screen", Code: "BAD_USER_INPUT", Reason: problems[0].Reason, Field: problems[0].Field, Problems: problems}
	}
	return r.fakeBackend.Screen(ctx, c)
}

// TestTypingStaysCalm types an erased person's e-mail and phone key by key, then corrects
// it: no answer carries an error, the warning comes once the e-mail is complete, and goes
// when it no longer matches, also when the corrected value is half typed again.
func TestTypingStaysCalm(t *testing.T) {
	fake := &refusingBackend{refuse: "erased@example-.org"}
	var mu sync.Mutex
	var answers []ScreenAnswer
	ls := NewLiveScreen(fake, time.Millisecond, func(a ScreenAnswer) {
		mu.Lock()
		answers = append(answers, a)
		mu.Unlock()
	})
	defer ls.Stop()
	last := func(f ContactForm) ScreenAnswer {
		t.Helper()
		mu.Lock()
		answers = nil
		mu.Unlock()
		ls.Now(f.Input())
		deadline := time.Now().Add(2 * time.Second)
		for {
			mu.Lock()
			n := len(answers)
			var a ScreenAnswer
			if n > 0 {
				a = answers[n-1]
			}
			mu.Unlock()
			if n > 0 {
				return a
			}
			if time.Now().After(deadline) {
				t.Fatal("no answer")
			}
			time.Sleep(time.Millisecond)
		}
	}
	email := "erased@example.org"
	for i := 1; i <= len(email); i++ {
		a := last(ContactForm{FamilyName: "Mustermann", Emails: email[:i], Phones: "+49 30 12"})
		if a.Err != nil {
			t.Fatalf("typing %q: error %v", email[:i], a.Err)
		}
		if want := i == len(email); a.Value.Blocked != want {
			t.Fatalf("typing %q: blocked = %v, want %v", email[:i], a.Value.Blocked, want)
		}
	}
	if a := last(ContactForm{Emails: "erased@example.or"}); a.Err != nil || a.Value.Blocked || len(a.Value.Matches) != 0 {
		t.Errorf("corrected e-mail still warns: %+v", a)
	}
	if a := last(ContactForm{Emails: "erased@exam"}); a.Err != nil || len(a.Value.Matches) != 0 {
		t.Errorf("half-typed e-mail after a match: %+v", a)
	}
	// A value the server refuses is left out; the rest is screened and warns.
	a := last(ContactForm{Emails: "erased@example-.org, erased@example.org"})
	if a.Err != nil || !a.Value.Blocked {
		t.Errorf("refused value beside a match: %+v", a)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if lastScreen := fake.screens[len(fake.screens)-1]; !slices.Equal(lastScreen.Emails, []string{"erased@example.org"}) {
		t.Errorf("after the refusal the server got %q, want only the valid e-mail", lastScreen.Emails)
	}
}

// The form says which typed values the server has not screened yet, in the user's language,
// each once; nothing when it screened everything.
func TestSkippedText(t *testing.T) {
	s := api.ScreeningFields{Skipped: []api.SkippedValue{
		{Field: "candidate.emails[1]", Reason: "EMAIL_NO_DOMAIN"},
		{Field: "candidate.address.postalCode", Reason: "POSTAL_CODE_INVALID"},
		{Field: "candidate.address.city", Reason: "CITY_REQUIRED"},
		{Field: "candidate.address.country", Reason: "COUNTRY_UNKNOWN"},
		{Field: "candidate.phones[0]", Reason: "COUNTRY_UNKNOWN"},
	}}
	if got, want := SkippedText(s, i18n.MustNew("de")), "Noch nicht geprüft, bis vollständig: E-Mail 2, Name und Anschrift, Land, Telefon 1"; got != want {
		t.Errorf("de: %q, want %q", got, want)
	}
	if got, want := SkippedText(s, i18n.MustNew("en")), "Not screened until complete: e-mail 2, name and address, country, phone 1"; got != want {
		t.Errorf("en: %q, want %q", got, want)
	}
	if got := SkippedText(api.ScreeningFields{}, i18n.MustNew("de")); got != "" {
		t.Errorf("nothing skipped: %q", got)
	}
}
