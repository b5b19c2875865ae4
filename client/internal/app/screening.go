package app

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

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
// stale answers dropped. What was typed is sent (Candidate) and the server reads it as the
// save will, skipping what it cannot read yet, so a half-typed value never shows an error;
// a candidate with nothing to match is answered at once with an empty screening, without
// asking the server, and a warning goes away when the value that caused it is changed. A
// value the server still refuses is left out and the rest screened again (the save reports
// it). When the server does not answer (api.Outage), the failure is delivered and the same
// candidate screened again every ScreenRetry until it answers.
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

// Candidate is what the form screens while the user types: its input as typed, without the
// values that are empty. The server reads each value as the save will read it (a phone in the
// country of the address, the country by its name, the postal code of that country) and skips
// what it cannot read yet (screen with asTyped, Screening.skipped); the form has no rules of
// its own for them.
func Candidate(in api.ContactInput) api.ContactInput {
	c := in
	c.Emails, c.Phones = nonEmpty(in.Emails), nonEmpty(in.Phones)
	return c
}

func nonEmpty(values []string) []string {
	var out []string
	for _, v := range values {
		if strings.TrimSpace(v) != "" {
			out = append(out, v)
		}
	}
	return out
}
