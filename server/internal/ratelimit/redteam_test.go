package ratelimit_test

// Red-team tests of issue 15 (hardening), item 4: blacklist enumeration through contact writes
// and through several instances. Run against the code before the fix, each failed.

import (
	"fmt"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/config"
)

const createContact = `mutation($in: ContactInput!) { createContact(input: $in) { contact { id } screening { blocked } } }`

func TestRedTeamContactWritesCapIdentifiers(t *testing.T) {
	s := apptest.Start(t)
	staff := staffToken(t, s, "desk")
	emails := make([]string, 51)
	for i := range emails {
		emails[i] = fmt.Sprintf("max.muster+%d@example%d.com", i, i)
	}
	res := s.Do(t, staff, createContact, map[string]any{"in": map[string]any{"givenName": "Erika", "familyName": "Mustermann", "emails": emails}})
	if len(res.Errors) == 0 || res.Errors[0].Code() != "BAD_USER_INPUT" || res.Errors[0].Field() != "input.emails" {
		t.Fatalf("51 e-mails in one write: %+v, want BAD_USER_INPUT on input.emails", res.Errors)
	}
}

// A write refused for a match answers what screen answers: it costs one screen.
func TestRedTeamRefusedWritesCountAgainstTheScreenLimit(t *testing.T) {
	s := apptest.Start(t, func(c *config.Config) { c.ScreenRate = 3 })
	s.MustAdmin(t, &struct{}{}, `mutation { blacklistAdd(candidate: {emails: ["max.muster@example.com"]}, reason: "erased") { id } }`, nil)
	staff := staffToken(t, s, "desk")
	probe := map[string]any{"in": map[string]any{"givenName": "Erika", "familyName": "Mustermann", "emails": []string{"max.muster@example.com"}}}
	answered := 0
	for range 12 {
		res := s.Do(t, staff, createContact, probe)
		if len(res.Errors) > 0 {
			if res.Errors[0].Code() != "RATE_LIMITED" {
				t.Fatalf("unexpected error %+v", res.Errors)
			}
			break
		}
		answered++
	}
	if answered > 5 {
		t.Errorf("%d refused writes answered in a row; the limit is 3 per second", answered)
	}
	if res := s.Do(t, staff, screen, nil); len(res.Errors) == 0 || res.Errors[0].Code() != "RATE_LIMITED" {
		t.Errorf("screen right after the refused writes: %+v, want RATE_LIMITED (one budget)", res.Errors)
	}
}

// Two instances on one database give one budget, not two.
func TestRedTeamScreenLimitHoldsAcrossInstances(t *testing.T) {
	rate := func(c *config.Config) { c.ScreenRate = 5 }
	s1 := apptest.Start(t, rate)
	s2 := apptest.StartOn(t, s1.DBURL, rate)
	staff := staffToken(t, s1, "desk")
	allowed := 0
	start := time.Now()
	for i := 0; time.Since(start) < 3*time.Second; i++ {
		s := s1
		if i%2 == 1 {
			s = s2
		}
		if res := s.Do(t, staff, screen, nil); len(res.Errors) == 0 {
			allowed++
		}
		time.Sleep(10 * time.Millisecond)
	}
	took := time.Since(start).Seconds()
	// one budget: a burst of 5 plus 5 a second; two budgets would allow twice that
	if limit := 5 + 5*took; float64(allowed) > 1.4*limit {
		t.Errorf("%d screens allowed in %.1f s on two instances; one budget allows about %.0f", allowed, took, limit)
	}
	t.Logf("%d screens allowed in %.1f s on two instances", allowed, took)
}
