package app

import (
	"errors"
	"testing"
	"time"
)

// The default of the extension dialog is the last day the server accepts: three months after
// arrival, the last day of a shorter month when that month has no such date.
func TestLatestExtension(t *testing.T) {
	for _, tc := range []struct{ received, want string }{
		{"2026-11-30", "2027-02-28"},
		{"2027-11-30", "2028-02-29"},
		{"2026-01-31", "2026-04-30"},
		{"2026-03-15", "2026-06-15"},
		{"2026-10-31", "2027-01-31"},
	} {
		r, _ := time.ParseInLocation(time.DateOnly, tc.received, time.Local)
		if got := LatestExtension(r.Add(15 * time.Hour)).Format(time.DateOnly); got != tc.want {
			t.Errorf("LatestExtension(%s) = %s, want %s", tc.received, got, tc.want)
		}
	}
}

func TestParseDay(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      error
	}{
		{"2026-11-03", "2026-11-03", nil}, {" 3.11.2026 ", "2026-11-03", nil}, {"3.11.26", "2026-11-03", nil},
		{"", "", nil}, {"gestern", "", ErrDayFormat}, {"2026-02-30", "", ErrDayFormat},
	} {
		got, err := ParseDay(tc.in)
		if !errors.Is(err, tc.err) {
			t.Errorf("ParseDay(%q) error %v, want %v", tc.in, err, tc.err)
			continue
		}
		if tc.want == "" {
			if !got.IsZero() {
				t.Errorf("ParseDay(%q) = %v, want zero", tc.in, got)
			}
			continue
		}
		if got.Format(time.DateOnly) != tc.want || got.Hour() != 12 {
			t.Errorf("ParseDay(%q) = %v, want midday of %s", tc.in, got, tc.want)
		}
	}
}
