package app

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/vermerk/vermerk/client/internal/api"
)

// ScreenDelay is how long the form waits after the last keystroke before it screens.
const ScreenDelay = 200 * time.Millisecond

// ScreenRetry is how long the form waits before it screens again when the server did not
// answer: the warning comes back by itself once the server does, without retyping.
var ScreenRetry = 3 * time.Second

// ScreenAnswer is one screening result for the form's banner.
type ScreenAnswer = Answer[api.ContactInput, api.ScreeningFields]

// NewLiveScreen screens the form's candidate while the user types: debounced by delay,
// stale answers dropped. Only the values that are complete on their own are sent
// (Candidate); a candidate with nothing left is answered at once with an empty screening,
// without asking the server, so a half-typed value never shows an error, and a warning goes
// away when the value that caused it is changed. A value the server still finds invalid is
// left out and the rest screened again (the save reports it). When the server does not
// answer (api.Outage), the failure is delivered and the same candidate screened again every
// ScreenRetry until it answers.
func NewLiveScreen(b Backend, delay time.Duration, deliver func(ScreenAnswer)) *Debounced[api.ContactInput, api.ScreeningFields] {
	d := NewDebounced(delay, func(ctx context.Context, c api.ContactInput) (api.ScreeningFields, error) {
		return ScreenValid(ctx, b, Candidate(c))
	}, deliver)
	d.RetryWhile(ScreenRetry, api.Outage)
	return d
}

// ScreenValid screens c; when the server refuses some of its values, it screens the rest.
func ScreenValid(ctx context.Context, b Backend, c api.ContactInput) (api.ScreeningFields, error) {
	for range 3 {
		if !Screenable(c) {
			return api.ScreeningFields{}, nil
		}
		s, err := b.Screen(ctx, c)
		var apiErr *api.Error
		if err == nil || !errors.Is(err, api.ErrBadInput) || !errors.As(err, &apiErr) {
			return s, err
		}
		rest, dropped := withoutRefused(c, apiErr)
		if !dropped {
			return api.ScreeningFields{}, nil
		}
		c = rest
	}
	return api.ScreeningFields{}, nil
}

var refusedPath = regexp.MustCompile(`(?:^|\.)(emails|phones)\[(\d+)\]$`)

// withoutRefused leaves out of c every value the error names: an e-mail or phone by index,
// anything else (names, address) by dropping the name-and-address part.
func withoutRefused(c api.ContactInput, e *api.Error) (api.ContactInput, bool) {
	problems := e.Problems
	if len(problems) == 0 {
		problems = []api.Problem{{Field: e.Field}}
	}
	dropEmail, dropPhone := map[int]bool{}, map[int]bool{}
	dropped := false
	for _, p := range problems {
		if m := refusedPath.FindStringSubmatch(p.Field); m != nil {
			i, _ := strconv.Atoi(m[2])
			if m[1] == "emails" {
				dropEmail[i] = true
			} else {
				dropPhone[i] = true
			}
			dropped = true
			continue
		}
		if c.Address != nil || c.FamilyName != nil {
			c.Address, c.FamilyName, c.GivenName = nil, nil, nil
			dropped = true
		}
	}
	c.Emails = dropIndexes(c.Emails, dropEmail)
	c.Phones = dropIndexes(c.Phones, dropPhone)
	return c, dropped
}

func dropIndexes(values []string, drop map[int]bool) []string {
	var out []string
	for i, v := range values {
		if !drop[i] {
			out = append(out, v)
		}
	}
	return out
}

// Candidate keeps of a form's input what is complete on its own: e-mails that look whole,
// phones with enough digits, and the name with the address once family name, street, postal
// code and city are there. The rules mirror the server's loosely; the server decides.
func Candidate(in api.ContactInput) api.ContactInput {
	var c api.ContactInput
	for _, e := range in.Emails {
		if LooksLikeEmail(e) {
			c.Emails = append(c.Emails, e)
		}
	}
	for _, p := range in.Phones {
		if LooksLikePhone(p) {
			c.Phones = append(c.Phones, p)
		}
	}
	if a := in.Address; a != nil && in.FamilyName != nil && strings.TrimSpace(*in.FamilyName) != "" &&
		strings.TrimSpace(a.Street) != "" && len([]rune(strings.TrimSpace(a.PostalCode))) >= 4 && strings.TrimSpace(a.City) != "" {
		addr := *a
		if addr.Country != nil && !isCountryCode(*addr.Country) {
			addr.Country = nil // half typed: the server assumes DE until it is complete
		}
		c.GivenName, c.FamilyName, c.Address = in.GivenName, in.FamilyName, &addr
	}
	return c
}

// LooksLikeEmail: one @ with something before it, and a domain with a dot that is followed
// by at least two letters; no spaces.
func LooksLikeEmail(s string) bool {
	s = strings.TrimSpace(s)
	at := strings.Index(s, "@")
	if at <= 0 || at != strings.LastIndex(s, "@") || strings.ContainsFunc(s, unicode.IsSpace) {
		return false
	}
	domain := s[at+1:]
	dot := strings.LastIndex(domain, ".")
	return dot > 0 && len([]rune(domain[dot+1:])) >= 2
}

// LooksLikePhone: at least seven digits (an area code and a number), and nothing but
// digits, spaces and + - / ( ) .
func LooksLikePhone(s string) bool {
	digits := 0
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+-/(). ", r):
		default:
			return false
		}
	}
	return digits >= 7
}

func isCountryCode(s string) bool {
	s = strings.TrimSpace(s)
	return len(s) == 2 && unicode.IsLetter(rune(s[0])) && unicode.IsLetter(rune(s[1]))
}
