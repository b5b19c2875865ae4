package app

import (
	"errors"
	"strings"
	"time"

	"github.com/vermerk/vermerk/client/internal/i18n"
)

// Every field that takes a day (the consent's given-at, a request's arrival and extension, a
// token's expiry) reads it here and hints at it with DayData: the form its user types.

// ErrDayFormat: a day typed for a request (arrival, extension) cannot be read.
var ErrDayFormat = errors.New("day: not a date")

// ErrGivenAt: the time of consent cannot be read, or lies in the future.
var (
	ErrGivenAtFormat = errors.New("givenAt: not a date")
	ErrGivenAtFuture = errors.New("givenAt: in the future")
)

// dayLayouts are the forms a day is read in, whatever the language: German ("3.11.2026",
// "03.11.26") and ISO ("2026-11-03"), the forms i18n.DayForm hints at.
var dayLayouts = []string{"2.1.2006", "2.1.06", time.DateOnly}

// ParseDate reads a day as typed, as the start of that day in local time. "" is the zero time.
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range dayLayouts {
		if d, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return d, nil
		}
	}
	return time.Time{}, ErrDayFormat
}

// ParseDay reads a day as typed ("3.11.2026", "2026-11-03"), as midday local time: the same
// day in every nearby time zone. "" is the zero time.
func ParseDay(s string) (time.Time, error) {
	d, err := ParseDate(s)
	if err != nil || d.IsZero() {
		return d, err
	}
	return d.Add(12 * time.Hour), nil
}

// ParseGivenAt reads the time of consent in local time, a day with or without the time of day
// ("3.5.2026 14:30"); "" is nil (now).
func ParseGivenAt(s string, now time.Time) (*time.Time, error) {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return nil, nil
	}
	for _, layout := range dayLayouts {
		for _, layout := range []string{layout + " 15:04", layout} {
			if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
				if t.After(now) {
					return nil, ErrGivenAtFuture
				}
				return &t, nil
			}
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		if t.After(now) {
			return nil, ErrGivenAtFuture
		}
		return &t, nil
	}
	return nil, ErrGivenAtFormat
}

// DayData is what a hint or an error about typing a day says: Form, the form its user types
// ("TT.MM.JJJJ"), and Example, a day written in it.
func DayData(loc Localizer) map[string]any {
	hint, layout := i18n.DayForm(loc.Lang())
	return map[string]any{"Form": hint, "Example": time.Date(2026, 11, 3, 0, 0, 0, 0, time.Local).Format(layout)}
}

// TypedDay writes d as its user types a day (a field filled in advance).
func TypedDay(d time.Time, loc Localizer) string {
	_, layout := i18n.DayForm(loc.Lang())
	return d.In(time.Local).Format(layout)
}
