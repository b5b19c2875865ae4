package main

import (
	"log/slog"
	"os"
	"runtime/debug"
)

// Garbage collector defaults of `vermerk serve` and `vermerk import`, used when GOGC and
// GOMEMLIMIT are not set. A request allocates about 15 KB of short-lived objects and the live
// heap is small (tens of MB), so Go's default (collect whenever the heap doubles) spends a
// tenth of the server's CPU on collections (profiled under the screen bench). At 400 it
// collects about a quarter as often; the soft limit makes the collector work harder instead
// when the heap nears it (a large import), so the process stays within the memory budget of
// DESIGN.md (150 MB resident).
const (
	defaultGCPercent   = 400
	defaultMemoryLimit = 120 << 20
)

func tuneGC(log *slog.Logger) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
		log.Debug("garbage collector: GOGC not set, using the server default", "gogc", defaultGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
		log.Debug("garbage collector: GOMEMLIMIT not set, using the server default", "bytes", defaultMemoryLimit)
	}
}
