package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// loadResult is what one closed-loop load run measured.
type loadResult struct {
	// CPU time per operation in µs, of the main server, of the database and of the load
	// generator (the bench process), in the window; idle: the machine's idle CPUs, out of all
	serverUS, dbUS, loadUS float64
	idle                   float64
	stolen                 float64 // the share of all CPUs' time the hypervisor gave to others
	ops, errors            int
	firstErr               error
	window                 time.Duration
	latencies              []time.Duration // sorted
	vacuums                []string        // autovacuum workers that ran in the window
	// blocks the database read outside its shared buffers and KiB the machine read from its
	// disks in the window (readMeter); -1: not known
	blocksRead, diskKiB int64
}

func (r loadResult) rps() float64 { return float64(r.ops) / r.window.Seconds() }

// quantile in milliseconds.
func (r loadResult) quantileMS(q float64) float64 {
	if len(r.latencies) == 0 {
		return na
	}
	i := min(len(r.latencies)-1, int(float64(len(r.latencies))*q))
	return float64(r.latencies[i]) / float64(time.Millisecond)
}

// failed says why the run's numbers cannot be used: more than 1% of operations failed.
func (r loadResult) failed() string {
	if r.ops == 0 {
		return fmt.Sprintf("no operation succeeded; first error: %v", r.firstErr)
	}
	if r.errors*100 > r.ops+r.errors {
		return fmt.Sprintf("%d of %d operations failed; first error: %v", r.errors, r.ops+r.errors, r.firstErr)
	}
	return ""
}

// load runs op in a closed loop on b.scale.workers goroutines (each with its own random
// source) for warmup plus duration, and measures the operations that started in the window
// after the warm-up: the most the system does, and the latency of a saturated system (which
// Little's law fixes at workers ÷ throughput).
func (b *bench) load(ctx context.Context, what string, op func(ctx context.Context, rnd *rand.Rand) error) loadResult {
	b.progress("%s: %d workers in a closed loop, %s warm-up, %s measured", what, b.scale.workers, b.scale.warmup, b.scale.duration)
	return b.run(ctx, what, 0, op)
}

// loadAt offers op at rate operations per second, spread over b.scale.workers goroutines
// (open loop): operation i is due at start + i/rate. A latency counts from when the
// operation was due, not from when a worker got round to it, so a server that falls
// behind is charged for the whole wait (no coordinated omission).
func (b *bench) loadAt(ctx context.Context, what string, rate float64, op func(ctx context.Context, rnd *rand.Rand) error) loadResult {
	b.progress("%s: %.0f/s offered by %d workers, %s warm-up, %s measured", what, rate, b.scale.workers, b.scale.warmup, b.scale.duration)
	return b.run(ctx, what, rate, op)
}

// run is load (rate 0) and loadAt.
func (b *bench) run(ctx context.Context, what string, rate float64, op func(ctx context.Context, rnd *rand.Rand) error) loadResult {
	sc := b.scale
	b.quiesce(ctx)
	start := time.Now()
	from, to := start.Add(sc.warmup), start.Add(sc.warmup+sc.duration)
	ctx, cancel := context.WithDeadline(ctx, to.Add(30*time.Second)) // a hung request ends the run
	defer cancel()
	type worker struct {
		lat      []time.Duration
		errors   int
		firstErr error
	}
	var (
		serverCPU, dbCPU, selfCPU, idleCPU, stealCPU time.Duration
		vacuums                                      []string
		blocksRead, diskKiB                          int64 = -1, -1
	)
	metered := make(chan struct{})
	go func() {
		defer close(metered)
		time.Sleep(time.Until(from))
		s := b.metered
		if s == nil {
			s = b.main
		}
		m := b.meter(s)
		reads := b.readMeter(ctx)
		watched := b.watchAutovacuum(ctx)
		time.Sleep(time.Until(to))
		serverCPU, dbCPU = m.used()
		selfCPU, idleCPU, stealCPU = m.bench()
		blocksRead, diskKiB = reads.read(ctx)
		vacuums = watched()
	}()
	var ticket atomic.Int64
	ws := make([]worker, sc.workers)
	var wg sync.WaitGroup
	for i := range ws {
		wg.Add(1)
		go func(w *worker, seed uint64) {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(seed, 0x5eed))
			for {
				t0 := time.Now()
				if rate > 0 {
					t0 = start.Add(time.Duration(float64(ticket.Add(1)-1) / rate * float64(time.Second)))
					time.Sleep(time.Until(t0))
				}
				if !t0.Before(to) || ctx.Err() != nil {
					return
				}
				err := op(ctx, rnd)
				if t0.Before(from) {
					continue
				}
				if err != nil {
					if w.errors == 0 {
						w.firstErr = err
					}
					w.errors++
					continue
				}
				w.lat = append(w.lat, time.Since(t0))
			}
		}(&ws[i], uint64(i))
	}
	wg.Wait()
	<-metered
	r := loadResult{window: sc.duration, vacuums: vacuums, blocksRead: blocksRead, diskKiB: diskKiB}
	for _, w := range ws {
		r.latencies = append(r.latencies, w.lat...)
		r.errors += w.errors
		if r.firstErr == nil {
			r.firstErr = w.firstErr
		}
	}
	r.ops = len(r.latencies)
	slices.Sort(r.latencies)
	r.serverUS, r.dbUS, r.loadUS = perOp(serverCPU, r.ops), perOp(dbCPU, r.ops), perOp(selfCPU, r.ops)
	r.idle = float64(idleCPU) / float64(sc.duration) / float64(runtime.NumCPU())
	r.stolen = stolenShare(stealCPU, sc.duration)
	if r.ops > 0 {
		b.progress("%s: %.0f/s, latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms; CPU per request: server %.0f µs, database %.0f µs, load generator %.0f µs; machine %.0f %% idle, %.0f %% stolen by the hypervisor",
			what, r.rps(), r.quantileMS(0.5), r.quantileMS(0.9), r.quantileMS(0.99), r.quantileMS(1), r.serverUS, r.dbUS, r.loadUS, 100*r.idle, 100*r.stolen)
		if note := readsNote(r); note != "" {
			b.progress("%s: read per request: %s", what, note)
		}
	}
	if note := autovacuumNote(r.vacuums); note != "" {
		b.progress("%s: %s", what, note)
	}
	return r
}
