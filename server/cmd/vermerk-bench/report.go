package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// na marks a value that was not measured.
var na = math.NaN()

// figure is one printed line.
type figure struct {
	name     string
	value    float64
	unit     string
	baseline float64
	baseUnit string
	goal     goal
	note     string // why a value is n/a, or what to know about it
}

// goal is a figure's target: on its ratio to the baseline, or (absolute) on its value.
type goal struct {
	op       string // "≥", "≤" or "" (none)
	limit    float64
	absolute bool // the value, not the ratio
	unmet    bool // a condition beside the number failed (requires): MISS whatever the number
}

func atLeast(x float64) goal      { return goal{op: "≥", limit: x} }
func atMost(x float64) goal       { return goal{op: "≤", limit: x} }
func valueAtMost(x float64) goal  { return goal{op: "≤", limit: x, absolute: true} }
func valueAtLeast(x float64) goal { return goal{op: "≥", limit: x, absolute: true} }

// requires adds a condition the target states beside its number (a plan that reads indexes
// only): without it the verdict is MISS.
func (g goal) requires(met bool) goal {
	g.unmet = g.unmet || !met
	return g
}

func (g goal) String(unit string) string {
	if g.op == "" {
		return "—"
	}
	if g.absolute {
		return g.op + " " + num(g.limit) + " " + unit
	}
	return g.op + " " + num(g.limit)
}

// verdict is PASS, MISS, or "—" without a goal or a value (a figure whose run failed is
// unmet, so MISS: a target is not met by not being measured).
func (g goal) verdict(x float64) string {
	switch {
	case g.op == "":
		return "—"
	case g.unmet:
		return "MISS"
	case math.IsNaN(x):
		return "—"
	case g.op == "≥" && x >= g.limit, g.op == "≤" && x <= g.limit:
		return "PASS"
	}
	return "MISS"
}

func (b *bench) add(f figure) {
	if f.baseUnit == "" {
		f.baseUnit = f.unit
	}
	if b.phase != "" {
		f.name += "@" + b.phase
	}
	b.values[f.name] = f.value
	b.figures = append(b.figures, f)
	fmt.Fprintln(os.Stderr, "  "+f.line())
}

// notBuilt records figures whose feature is missing.
func (b *bench) notBuilt(why string, figs ...figure) {
	for _, f := range figs {
		f.value = na
		f.note = why
		b.add(f)
	}
}

func (f figure) ratio() float64 {
	if math.IsNaN(f.value) || math.IsNaN(f.baseline) || f.baseline == 0 {
		return na
	}
	return f.value / f.baseline
}

// judged is what the goal is about: the value or the ratio.
func (f figure) judged() float64 {
	if f.goal.absolute {
		return f.value
	}
	return f.ratio()
}

func num(v float64) string {
	switch {
	case math.IsNaN(v):
		return "n/a"
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case math.Abs(v) >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case math.Abs(v) >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case math.Abs(v) >= 0.1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
}

// line is the machine-readable form:
// bench NAME VALUE UNIT baseline VALUE UNIT ratio X target T VERDICT (note).
func (f figure) line() string {
	s := fmt.Sprintf("bench %s %s %s baseline %s %s ratio %s target %s %s", f.name, num(f.value), f.unit, num(f.baseline),
		f.baseUnit, num(f.ratio()), strings.ReplaceAll(f.goal.String(f.unit), " ", ""), f.goal.verdict(f.judged()))
	if f.note != "" {
		s += " (" + f.note + ")"
	}
	return s
}

// growth is one row of the table of how a figure grows with the database.
type growth struct {
	name, unit string
	small, big float64
	goal       goal // on big/small
	note       string
}

// grew records how the figure name (measured before and after growing) changed.
func (b *bench) grew(name, unit string, g goal, note string) {
	small, ok1 := b.values[name]
	big, ok2 := b.values[name+"@"+b.phase]
	if !ok1 || !ok2 {
		return
	}
	r := growth{name: name, unit: unit, small: small, big: big, goal: g, note: note}
	b.grown = append(b.grown, r)
	fmt.Fprintf(os.Stderr, "  growth %s %s → %s %s, ×%s, target %s %s\n", name, num(small), num(big), unit, num(r.factor()),
		g.String(""), g.verdict(r.factor()))
}

func (g growth) factor() float64 {
	if math.IsNaN(g.small) || math.IsNaN(g.big) || g.small == 0 {
		return na
	}
	return g.big / g.small
}

func (b *bench) report(w io.Writer, took time.Duration) {
	for _, f := range b.figures {
		fmt.Fprintln(w, f.line())
	}
	for _, g := range b.grown {
		fmt.Fprintf(w, "growth %s %s %s → %s %s factor %s target %s %s\n", g.name, num(g.small), g.unit, num(g.big), g.unit,
			num(g.factor()), strings.ReplaceAll(g.goal.String(""), " ", ""), g.goal.verdict(g.factor()))
	}
	fmt.Fprintf(w, "\nVermerk vs. baseline, scale %s, %d CPUs, %s, load average %s, %.0f %% of the CPUs' time stolen by the hypervisor, %d workers × %s, took %s\n\n",
		b.scale.name, runtime.NumCPU(), time.Now().UTC().Format("2006-01-02 15:04 MST"), loadAverage(), 100*b.stolen, b.scale.workers, b.scale.duration,
		took.Round(time.Second))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\tVermerk\tbaseline\tratio\ttarget\t\tnote")
	for _, f := range b.figures {
		fmt.Fprintf(tw, "%s\t%s %s\t%s %s\t%s\t%s\t%s\t%s\n", f.name, num(f.value), f.unit, num(f.baseline), f.baseUnit,
			num(f.ratio()), f.goal.String(f.unit), f.goal.verdict(f.judged()), f.note)
	}
	tw.Flush()
	if len(b.grown) == 0 {
		return
	}
	fmt.Fprintf(w, "\nHow the figures grow from %s to %s contacts and blacklist entries (same run)\n\n",
		count(b.scale.contacts), count(b.contacts))
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "figure\tat %s\tat %s\tgrowth\ttarget\t\tnote\n", count(b.scale.contacts), count(b.contacts))
	for _, g := range b.grown {
		fmt.Fprintf(tw, "%s\t%s %s\t%s %s\t×%s\t%s\t%s\t%s\n", g.name, num(g.small), g.unit, num(g.big), g.unit, num(g.factor()),
			g.goal.String(""), g.goal.verdict(g.factor()), g.note)
	}
	tw.Flush()
}

// count writes 10000000 as 10M and 5000 as 5k.
func count(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return strconv.Itoa(n/1_000_000) + "M"
	case n >= 1000 && n%1000 == 0:
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}

// markdown writes the tables as Markdown (BENCH_MARKDOWN=file), for the README.
func (b *bench) markdown(w io.Writer, took time.Duration) {
	fmt.Fprintf(w, "Scale %s, %d CPUs, %s, load average %s at the end, %.0f %% of the CPUs' time stolen by the hypervisor, took %s.\n\n", b.scale.name, runtime.NumCPU(),
		time.Now().UTC().Format("2006-01-02 15:04 MST"), loadAverage(), 100*b.stolen, took.Round(time.Second))
	fmt.Fprintln(w, "| figure | Vermerk | baseline (same run) | ratio | target | | note |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- | --- |")
	for _, f := range b.figures {
		fmt.Fprintf(w, "| `%s` | %s %s | %s %s | %s | %s | %s | %s |\n", f.name, num(f.value), f.unit, num(f.baseline), f.baseUnit,
			num(f.ratio()), f.goal.String(f.unit), f.goal.verdict(f.judged()), f.note)
	}
	if len(b.grown) == 0 {
		return
	}
	fmt.Fprintf(w, "\n| figure | at %s | at %s | growth | target | | note |\n", count(b.scale.contacts), count(b.contacts))
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- | --- |")
	for _, g := range b.grown {
		fmt.Fprintf(w, "| `%s` | %s %s | %s %s | ×%s | %s | %s | %s |\n", g.name, num(g.small), g.unit, num(g.big), g.unit,
			num(g.factor()), g.goal.String(""), g.goal.verdict(g.factor()), g.note)
	}
}
