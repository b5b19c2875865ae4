package main

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestFigureVerdict(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    figure
		want string // the line's end: target and verdict
	}{
		{"ratio met", figure{name: "contact_rps", value: 9000, baseline: 10000, unit: "req/s", goal: atLeast(0.8)}, "ratio 0.90 target ≥0.80 PASS"},
		{"ratio missed", figure{name: "contact_rps", value: 4000, baseline: 10000, unit: "req/s", goal: atLeast(0.8)}, "ratio 0.40 target ≥0.80 MISS"},
		{"at most, met", figure{name: "screen_p99", value: 3, baseline: 2.5, unit: "ms", goal: atMost(1.5)}, "ratio 1.20 target ≤1.50 PASS"},
		{"at most, missed", figure{name: "screen_p99", value: 5, baseline: 2.5, unit: "ms", goal: atMost(1.5)}, "ratio 2 target ≤1.50 MISS"},
		{"absolute", figure{name: "import_rss", value: 133, baseline: na, unit: "MB", goal: valueAtMost(150)}, "ratio n/a target ≤150MB PASS"},
		{"absolute zero", figure{name: "fanout_lost", value: 1, baseline: na, unit: "events", goal: valueAtMost(0)}, "target ≤0events MISS"},
		{"not measured", figure{name: "import_rps_role", value: na, baseline: 100, unit: "rows/s", goal: atLeast(0.9)}, "target ≥0.90 —"},
		{"run failed", figure{name: "signup_confirmed_rps", value: 224, baseline: na, unit: "sign-ups/s", goal: atLeast(0.25).requires(false)}, "target ≥0.25 MISS"},
		{"no target", figure{name: "screen_rps", value: 1, baseline: 2, unit: "req/s"}, "target — —"},
		{"ratio met, condition not", figure{name: "recipients_blacklist_page", value: 1.1, baseline: 1, unit: "ms", goal: atMost(1.2).requires(false)}, "ratio 1.10 target ≤1.20 MISS"},
		{"ratio and condition met", figure{name: "recipients_blacklist_page", value: 1.1, baseline: 1, unit: "ms", goal: atMost(1.2).requires(true)}, "ratio 1.10 target ≤1.20 PASS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.f.baseUnit == "" {
				tc.f.baseUnit = tc.f.unit
			}
			if line := tc.f.line(); !strings.HasSuffix(line, tc.want) {
				t.Errorf("line %q does not end in %q", line, tc.want)
			}
		})
	}
}

func TestGrowthFactor(t *testing.T) {
	g := growth{name: "screen_p99", small: 2, big: 2.4, goal: atMost(1.3)}
	if f := g.factor(); f < 1.19 || f > 1.21 || g.goal.verdict(f) != "PASS" {
		t.Errorf("factor %v verdict %s, want 1.2 PASS", f, g.goal.verdict(f))
	}
	g.big = 3
	if v := g.goal.verdict(g.factor()); v != "MISS" {
		t.Errorf("factor 1.5 against ≤ 1.3: %s, want MISS", v)
	}
}

// retention_heap must tell a run that keeps what it reads from one that only makes garbage.
func TestLiveHeapGrowthCountsWhatIsKept(t *testing.T) {
	const batches, batch = 64, 1 << 20 // 64 MB in all
	run := func(keep bool, ballast [][]byte) uint64 {
		var kept [][]byte
		w := watchLiveHeap()
		for i := range batches {
			if i == 1 { // memory the process held before the run, let go while it runs
				runtime.KeepAlive(ballast)
				ballast = nil
			}
			b := make([]byte, batch)
			b[0] = 1
			if keep {
				kept = append(kept, b)
			}
			runtime.GC() // the collections a real run's allocation brings about
			w.sample()
		}
		runtime.KeepAlive(kept)
		return w.growth()
	}
	if g := run(true, nil); g < batches*batch*3/4 {
		t.Errorf("a run keeping %d MB grew the live heap by %.1f MB", batches*batch>>20, float64(g)/(1<<20))
	}
	if g := run(false, nil); g > 8<<20 {
		t.Errorf("a run keeping nothing grew the live heap by %.1f MB", float64(g)/(1<<20))
	}
	ballast := func() [][]byte { // nothing but the run holds it
		b := make([][]byte, 96)
		for i := range b {
			b[i] = make([]byte, batch)
			b[i][0] = 1
		}
		return b
	}
	if g := run(true, ballast()); g < batches*batch*3/4 {
		t.Errorf("a run keeping %d MB while 96 MB held before it were let go grew the live heap by %.1f MB", batches*batch>>20, float64(g)/(1<<20))
	}
}

// Seeded contacts get ids in the order they are written, as the import's UUIDv7 ids are.
func TestContactIDsRunInOrder(t *testing.T) {
	prev := ""
	for _, i := range []int{1, 2, 9, 10, 99, 100, 999_999, 1_000_000, 10_000_000} {
		id := contactID(i)
		if len(id) != 36 || id[14] != '7' || id[19] != '8' {
			t.Fatalf("contactID(%d) = %s, not a version 7, variant 10 uuid", i, id)
		}
		if id <= prev {
			t.Fatalf("contactID(%d) = %s sorts before %s", i, id, prev)
		}
		prev = id
	}
}

// The idle and steal times come from /proc/stat's first line (in USER_HZ ticks); a kernel
// without the steal column gives none.
func TestMachineTimesFromProcStat(t *testing.T) {
	idle, steal := parseMachineTimes("cpu  830377 0 174032 5206594 4719 0 6036 22327 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n")
	if idle != 52065940*time.Millisecond || steal != 223270*time.Millisecond {
		t.Errorf("idle %v steal %v, want 14h27m45.94s and 3m43.27s", idle, steal)
	}
	if _, steal := parseMachineTimes("cpu  1 2 3 4 5\n"); steal != 0 {
		t.Errorf("steal without its column: %v", steal)
	}
	want := 0.3 / float64(runtime.NumCPU()) // 1.8 s of 6 s on one CPU, spread over all
	if share := stolenShare(1800*time.Millisecond, 6*time.Second); share < want*0.999 || share > want*1.001 {
		t.Errorf("1.8 s stolen of 6 s: share %v, want %v", share, want)
	}
}
