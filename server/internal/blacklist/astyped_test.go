package blacklist_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

const screenAsTyped = `query($c: ContactInput!) { screen(candidate: $c, asTyped: true) {
	blocked matches { field entry { id } } skipped { field reason } } }`

type skip struct{ Field, Reason string }

type asTypedResult struct {
	Screen struct {
		Blocked bool
		Matches []struct {
			Field string
			Entry struct{ ID string }
		}
		Skipped []skip
	}
}

// screenTyped screens c as typed and fails the test on any GraphQL error.
func screenTyped(t *testing.T, s *apptest.Server, c map[string]any) asTypedResult {
	t.Helper()
	var r asTypedResult
	s.MustAdmin(t, &r, screenAsTyped, map[string]any{"c": c})
	return r
}

// matched says whether r names entry id with field.
func (r asTypedResult) matched(field, id string) bool {
	return slices.ContainsFunc(r.Screen.Matches, func(m struct {
		Field string
		Entry struct{ ID string }
	}) bool {
		return m.Field == field && m.Entry.ID == id
	})
}

// The form screens what is typed, as it is typed; the server reads each value as the save
// does and skips what it cannot read yet. A phone written with no-break spaces or dashes (as
// a word processor writes them), a national number beside a country named in German or
// English, a company's phone beside a foreign address: each is read as its save reads it.
func TestScreenAsTypedReadsAsTheSaveDoes(t *testing.T) {
	s := apptest.Start(t)
	add := func(c map[string]any) string {
		t.Helper()
		var e struct{ BlacklistAdd struct{ ID string } }
		s.MustAdmin(t, &e, blacklistAddQ, map[string]any{"c": c, "r": "objection"})
		return e.BlacklistAdd.ID
	}
	berlin := add(map[string]any{"phones": []string{"+49 30 5550123"}})
	vienna := add(map[string]any{"phones": []string{"+43 1 5550123"}})
	amsterdam := add(map[string]any{"phones": []string{"+31 20 555 0123"}})

	for _, typed := range []string{"030\u00a0555\u00a00123", "030\u2013555\u20130123", "030\u2014555 0123"} {
		r := screenTyped(t, s, map[string]any{"familyName": "Beispielfrau", "phones": []string{typed}})
		if !r.Screen.Blocked || !r.matched("PHONE", berlin) || len(r.Screen.Skipped) != 0 {
			t.Errorf("phone %q: %+v, want blocked by the Berlin entry, nothing skipped", typed, r.Screen)
		}
	}

	austrian := map[string]any{"givenName": "Erika", "familyName": "Beispielfrau", "phones": []string{"01 5550123"},
		"address": map[string]any{"street": "Probegasse 1", "postalCode": "1010", "city": "Wien", "country": "Österreich"}}
	if r := screenTyped(t, s, austrian); !r.Screen.Blocked || !r.matched("PHONE", vienna) || len(r.Screen.Skipped) != 0 {
		t.Errorf("Austrian phone beside Österreich: %+v, want blocked by the Vienna entry", r.Screen)
	}

	company := map[string]any{"organization": "Musterfirma B.V.", "phones": []string{"020 555 0123"},
		"address": map[string]any{"street": "Voorbeeldstraat 1", "postalCode": "1011 AB", "city": "Amsterdam", "country": "Netherlands"}}
	if r := screenTyped(t, s, company); !r.Screen.Blocked || !r.matched("PHONE", amsterdam) || len(r.Screen.Skipped) != 0 {
		t.Errorf("company phone beside a Dutch address: %+v, want blocked by the Amsterdam entry", r.Screen)
	}
}

// What cannot be read yet is skipped and said, not refused: a half-typed phone or e-mail, a
// country not (yet) known with the national numbers that wait for it, an address not
// complete enough for the name-and-address key. Without asTyped the screen refuses them as
// it always did.
func TestScreenAsTypedSkipsWhatCannotBeReadYet(t *testing.T) {
	s := apptest.Start(t)
	var e struct{ BlacklistAdd struct{ ID string } }
	s.MustAdmin(t, &e, blacklistAddQ, map[string]any{"c": map[string]any{"emails": []string{"gesperrt@example.org"}}, "r": "objection"})
	entry := e.BlacklistAdd.ID
	var v struct{ BlacklistAdd struct{ ID string } }
	s.MustAdmin(t, &v, blacklistAddQ, map[string]any{"c": map[string]any{"phones": []string{"+43 1 5550123"}}, "r": "objection"})
	vienna := v.BlacklistAdd.ID

	tests := []struct {
		name    string
		typed   map[string]any
		blocked string // the entry that must match, "" none
		skipped []skip
	}{
		{"half-typed phone", map[string]any{"emails": []string{"gesperrt@example.org"}, "phones": []string{"030 5"}},
			entry, []skip{{"candidate.phones[0]", "PHONE_INVALID"}}},
		{"half-typed e-mail", map[string]any{"emails": []string{"gesperrt@"}},
			"", []skip{{"candidate.emails[0]", "EMAIL_NO_DOMAIN"}}},
		{"half-typed e-mail beside a whole one", map[string]any{"emails": []string{"max@", "gesperrt@example.org"}},
			entry, []skip{{"candidate.emails[0]", "EMAIL_NO_DOMAIN"}}},
		{"country not known yet", map[string]any{"phones": []string{"01 5550123", "+43 1 5550123"},
			"address": map[string]any{"street": "Probegasse 1", "postalCode": "1010", "city": "Wien", "country": "Österr"}},
			vienna, []skip{{"candidate.address.country", "COUNTRY_UNKNOWN"}, {"candidate.phones[0]", "COUNTRY_UNKNOWN"}}},
		{"no city yet", map[string]any{"familyName": "Beispielfrau", "emails": []string{"gesperrt@example.org"},
			"address": map[string]any{"street": "Probeweg 1", "postalCode": "10115", "city": ""}},
			entry, []skip{{"candidate.address.city", "CITY_REQUIRED"}}},
		{"postal code not of the country", map[string]any{"familyName": "Beispielfrau",
			"address": map[string]any{"street": "Probegasse 1", "postalCode": "101", "city": "Wien", "country": "AT"}},
			"", []skip{{"candidate.address.postalCode", "POSTAL_CODE_INVALID"}}},
		{"a company's address is no name-and-address", map[string]any{"organization": "Musterfirma GmbH",
			"address": map[string]any{"street": "Probeweg 1", "postalCode": "", "city": ""}},
			"", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := screenTyped(t, s, tt.typed)
			if tt.blocked != "" && (!r.Screen.Blocked || !slices.ContainsFunc(r.Screen.Matches, func(m struct {
				Field string
				Entry struct{ ID string }
			}) bool {
				return m.Entry.ID == tt.blocked
			})) {
				t.Errorf("matches %+v, want the entry %s", r.Screen.Matches, tt.blocked)
			}
			if tt.blocked == "" && len(r.Screen.Matches) != 0 {
				t.Errorf("matches %+v, want none", r.Screen.Matches)
			}
			if got := r.Screen.Skipped; !slices.Equal(got, tt.skipped) {
				t.Errorf("skipped %+v, want %+v", got, tt.skipped)
			}
		})
	}

	// Without asTyped nothing changes: what cannot be read is BAD_USER_INPUT at its path.
	for _, tt := range []struct {
		typed map[string]any
		field string
	}{
		{map[string]any{"phones": []string{"030 5"}}, "candidate.phones[0]"},
		{map[string]any{"emails": []string{"gesperrt@"}}, "candidate.emails[0]"},
		{map[string]any{"phones": []string{"01 5550123"},
			"address": map[string]any{"street": "Probegasse 1", "postalCode": "1010", "city": "Wien", "country": "Österr"}}, "candidate.address.country"},
	} {
		res := s.Admin(t, screen, map[string]any{"c": tt.typed})
		if !slices.ContainsFunc(res.Errors, func(e apptest.GQLError) bool {
			return e.Code() == "BAD_USER_INPUT" && e.Field() == tt.field
		}) {
			t.Errorf("screen of %v without asTyped: errors %+v, want BAD_USER_INPUT at %s", tt.typed, res.Errors, tt.field)
		}
	}
	// A screen without asTyped, and a write's screening, skip nothing.
	var plain struct {
		Screen        struct{ Skipped []skip }
		CreateContact struct{ Screening struct{ Skipped []skip } }
	}
	s.MustAdmin(t, &plain, `query($c: ContactInput!) { screen(candidate: $c) { skipped { field } } }`,
		map[string]any{"c": map[string]any{"emails": []string{"gesperrt@example.org"}}})
	if plain.Screen.Skipped == nil || len(plain.Screen.Skipped) != 0 {
		t.Errorf("screen without asTyped: skipped %+v, want []", plain.Screen.Skipped)
	}
	s.MustAdmin(t, &plain, `mutation($in: ContactInput!) { createContact(input: $in) { screening { skipped { field } } } }`,
		map[string]any{"in": map[string]any{"familyName": "Beispielfrau", "emails": []string{"gesperrt@example.org"}}})
	if plain.CreateContact.Screening.Skipped == nil || len(plain.CreateContact.Screening.Skipped) != 0 {
		t.Errorf("createContact's screening: skipped %+v, want []", plain.CreateContact.Screening.Skipped)
	}
	// asTyped: false is the screen as it was.
	if res := s.Admin(t, `query($c: ContactInput!) { screen(candidate: $c, asTyped: false) { blocked } }`,
		map[string]any{"c": map[string]any{"phones": []string{"030 5"}}}); len(res.Errors) == 0 {
		t.Error("asTyped: false read a half-typed phone without an error")
	}
	// A screen of more values than a contact may hold is refused, as typed or not.
	many := make([]string, 51)
	for i := range many {
		many[i] = fmt.Sprintf("person%d@example.org", i)
	}
	if res := s.Admin(t, screenAsTyped, map[string]any{"c": map[string]any{"emails": many}}); !slices.Contains(res.ErrorCodes(), "BAD_USER_INPUT") {
		t.Errorf("51 e-mails as typed: errors %+v, want BAD_USER_INPUT", res.Errors)
	}
}
