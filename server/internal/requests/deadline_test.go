package requests

import (
	"testing"
	"time"
)

func TestDeadlineMonthEnds(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	day := func(s string) time.Time {
		d, err := time.ParseInLocation("2006-01-02 15:04", s, berlin)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, tc := range []struct {
		received string
		months   int
		want     string // the last day of the period
	}{
		{"2026-01-15 10:00", 1, "2026-02-15"},
		{"2026-01-31 09:00", 1, "2026-02-28"}, // no 31 February: the last day of February
		{"2028-01-31 09:00", 1, "2028-02-29"}, // leap year
		{"2028-01-30 09:00", 1, "2028-02-29"},
		{"2028-02-29 09:00", 1, "2028-03-29"}, // the same date, not the month's end
		{"2026-02-28 09:00", 1, "2026-03-28"},
		{"2026-03-31 09:00", 1, "2026-04-30"},
		{"2026-03-30 09:00", 1, "2026-04-30"},
		{"2026-12-31 23:30", 1, "2027-01-31"}, // across the year
		{"2026-11-30 09:00", 3, "2027-02-28"},
		{"2026-01-31 09:00", 3, "2026-04-30"},
		{"2027-11-30 00:10", 3, "2028-02-29"},
	} {
		got := Deadline(day(tc.received), tc.months, berlin)
		want := day(tc.want+" 00:00").AddDate(0, 0, 1).Add(-time.Microsecond)
		if !got.Equal(want) {
			t.Errorf("%s + %d month(s) = %s, want the end of %s", tc.received, tc.months, got, tc.want)
		}
	}
}

// A request that arrives late in the evening in Berlin is counted from that Berlin day, not
// from the UTC day.
func TestDeadlineUsesTheLocalDay(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	received := time.Date(2026, 1, 31, 23, 30, 0, 0, time.UTC) // 1 February 00:30 in Berlin
	got := DueAt(received, berlin)
	if y, m, d := got.In(berlin).Date(); y != 2026 || m != time.March || d != 1 {
		t.Fatalf("due %s, want the end of 1 March 2026 in Berlin", got.In(berlin))
	}
}
