package main

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// A save that failed, during the import or without it, fails the staff figures whatever the
// latencies; so does an import that did not finish or saves that never ran beside it.
func TestStaffFiguresFailOnAFailedSave(t *testing.T) {
	fast := staffWrites{latencies: []time.Duration{3 * time.Millisecond, 5 * time.Millisecond, 40 * time.Millisecond}}
	failing := fast
	failing.failed, failing.firstErr = 1, errors.New("no contact returned")
	for _, tc := range []struct {
		name            string
		during, without staffWrites
		done            bool
		p99, failures   string // the lines' ends
	}{
		{"all saved", fast, fast, true, "ratio 1 target ≤250ms PASS", "target ≤0saves PASS"},
		{"one failed during the import", failing, fast, true, "ratio 1 target ≤250ms MISS", "target ≤0saves MISS"},
		{"one failed without the import", fast, failing, true, "ratio 1 target ≤250ms MISS", "target ≤0saves MISS"},
		{"the import did not finish", fast, fast, false, "ratio 1 target ≤250ms MISS", "target ≤0saves PASS"},
		{"no save during the import", staffWrites{}, fast, true, "target ≤250ms MISS", "target ≤0saves PASS"},
		{"slow", staffWrites{latencies: []time.Duration{time.Second}}, fast, true, "ratio 25 target ≤250ms MISS", "target ≤0saves PASS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines := map[string]string{}
			for _, f := range staffFigures(tc.during, tc.without, tc.done) {
				f.baseUnit = f.unit
				lines[f.name] = f.line()
			}
			for name, want := range map[string]string{"staff_write_p99_during_import": tc.p99, "staff_write_failures": tc.failures} {
				if !strings.Contains(lines[name], want+" (") { // then the note
					t.Errorf("%s: %q, want %q before its note", name, lines[name], want)
				}
			}
		})
	}
}
