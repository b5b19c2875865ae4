package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strconv"
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
	target   string // DESIGN.md's target, for the table
	note     string // why a value is n/a, or what to know about it
}

func (b *bench) add(f figure) {
	if f.baseUnit == "" {
		f.baseUnit = f.unit
	}
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
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

// line is the machine-readable form: bench NAME VALUE UNIT baseline VALUE UNIT ratio X.
func (f figure) line() string {
	s := fmt.Sprintf("bench %s %s %s baseline %s %s ratio %s", f.name, num(f.value), f.unit, num(f.baseline), f.baseUnit, num(f.ratio()))
	if f.note != "" {
		s += " (" + f.note + ")"
	}
	return s
}

func (b *bench) report(w io.Writer, took time.Duration) {
	for _, f := range b.figures {
		fmt.Fprintln(w, f.line())
	}
	fmt.Fprintf(w, "\nVermerk vs. baseline, scale %s, %d CPUs, %s, load average %s, %d workers × %s, took %s\n\n",
		b.scale.name, runtime.NumCPU(), time.Now().Format("2006-01-02"), loadAverage(), b.scale.workers, b.scale.duration,
		took.Round(time.Second))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\tVermerk\tbaseline\tratio\ttarget\tnote")
	for _, f := range b.figures {
		fmt.Fprintf(tw, "%s\t%s %s\t%s %s\t%s\t%s\t%s\n", f.name, num(f.value), f.unit, num(f.baseline), f.baseUnit,
			num(f.ratio()), f.target, f.note)
	}
	tw.Flush()
}
