package requests

import "time"

// Deadlines are counted as Regulation (EEC, Euratom) No 1182/71 counts periods in months
// (Art. 3(2)(c)), which applies to the GDPR's time limits: the period ends with the last hour
// of the day of the last month that has the same date as the day the request arrived; when
// that month has no such day, with the last hour of its last day. 31 January + 1 month ends
// on 28 (29) February, 30 March + 1 month on 30 April. Art. 3(4) (a period ending on a
// holiday or weekend runs on to the next working day) is not applied: the deadline shown is
// never later than the law's. Days are counted in the server's time zone (time.Local, TZ).

// Deadline is the end of the period of months after received: 23:59:59.999999 of the day
// (PostgreSQL keeps microseconds).
func Deadline(received time.Time, months int, loc *time.Location) time.Time {
	r := received.In(loc)
	y, m, d := r.Date()
	ty, tm := y, m+time.Month(months)
	for tm > 12 {
		ty, tm = ty+1, tm-12
	}
	if last := daysIn(ty, tm); d > last {
		d = last
	}
	return endOfDay(ty, tm, d, loc)
}

// DueAt is one month after received (Art. 12(3) first sentence).
func DueAt(received time.Time, loc *time.Location) time.Time { return Deadline(received, 1, loc) }

// LatestExtension is the furthest a deadline may be extended: two further months, i.e. three
// months after the request arrived (Art. 12(3) second sentence).
func LatestExtension(received time.Time, loc *time.Location) time.Time {
	return Deadline(received, 3, loc)
}

// EndOfDay is the last instant of t's day in loc; an extension runs to the end of its day.
func EndOfDay(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return endOfDay(y, m, d, loc)
}

func endOfDay(y int, m time.Month, d int, loc *time.Location) time.Time {
	return time.Date(y, m, d+1, 0, 0, 0, 0, loc).Add(-time.Microsecond)
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
