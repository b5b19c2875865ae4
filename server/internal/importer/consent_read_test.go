package importer

import (
	"strings"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/csvfile"
)

func TestReadConsentColumns(t *testing.T) {
	now := time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name                string
		purpose, date, from string
		wantKey, wantDate   string // wantDate: RFC 3339, "" for none
		problem             string
	}{
		{name: "none"},
		{name: "German date", purpose: " Newsletter ", date: "31.03.2026", from: "Messe", wantKey: "newsletter", wantDate: "2026-03-31T00:00:00Z"},
		{name: "ISO date", purpose: "newsletter", date: "2025-12-01", wantKey: "newsletter", wantDate: "2025-12-01T00:00:00Z"},
		{name: "with time", purpose: "newsletter", date: "2026-11-29T18:30:00+01:00", wantKey: "newsletter", wantDate: "2026-11-29T17:30:00Z"},
		{name: "no date", purpose: "newsletter", wantKey: "newsletter"},
		{name: "today, ahead of UTC", purpose: "newsletter", date: "30.11.2026", wantKey: "newsletter", wantDate: "2026-11-30T00:00:00Z"},
		{name: "tomorrow", purpose: "newsletter", date: "01.12.2026", problem: "lies in the future"},
		{name: "too old", purpose: "newsletter", date: "01.01.2023", problem: "more than three years back"},
		{name: "no date at all", purpose: "newsletter", date: "gestern", problem: "is no date"},
		{name: "31 February", purpose: "newsletter", date: "31.02.2026", problem: "is no date"},
		{name: "date and source without purpose", date: "31.03.2026", from: "Messe"},
		{name: "no", purpose: "Nein", date: "31.03.2026"},
		{name: "yes: the list's purpose", purpose: "Ja", date: "31.03.2026", wantKey: listPurpose, wantDate: "2026-03-31T00:00:00Z"},
	} {
		got, problems := readConsent(csvfile.Row{Consent: c.purpose, ConsentDate: c.date, ConsentSource: c.from}, now)
		if c.problem != "" {
			if len(problems) != 1 || !strings.Contains(problems[0].msg, c.problem) || problems[0].field != "consentDate" {
				t.Errorf("%s: problems %+v, want one saying %q", c.name, problems, c.problem)
			}
			continue
		}
		if len(problems) > 0 {
			t.Errorf("%s: problems %+v", c.name, problems)
			continue
		}
		if c.wantKey == "" {
			if got != nil {
				t.Errorf("%s: %+v, want no consent", c.name, got)
			}
			continue
		}
		date := ""
		if got.givenAt != nil {
			date = got.givenAt.Format(time.RFC3339)
		}
		if got.purposeKey != c.wantKey || date != c.wantDate || got.source != strings.TrimSpace(c.from) {
			t.Errorf("%s: %+v (date %s), want key %s date %s", c.name, got, date, c.wantKey, c.wantDate)
		}
	}
}

func FuzzReadConsent(f *testing.F) {
	now := time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC)
	f.Add("newsletter", "31.03.2026", "Messe")
	f.Add("", "2026-01-01", "")
	f.Fuzz(func(t *testing.T, purpose, date, source string) {
		c, problems := readConsent(csvfile.Row{Consent: purpose, ConsentDate: date, ConsentSource: source}, now)
		if len(problems) == 0 && c != nil && c.givenAt != nil {
			if c.givenAt.After(now.Add(time.Minute)) || c.givenAt.Before(now.AddDate(-3, 0, 0)) {
				t.Fatalf("accepted consent date %s out of bounds", c.givenAt)
			}
		}
	})
}
