package main

import (
	"log/slog"
	"os"
	"runtime/debug"
	"sync"
)

// Garbage collector defaults of `vermerk serve` and `vermerk import`, used when GOGC and
// GOMEMLIMIT are not set. A request allocates about 15 KB of short-lived objects and the live
// heap is small (tens of MB), so Go's default (collect whenever the heap doubles) spends a
// tenth of the server's CPU on collections (profiled under the screen bench). At 400 it
// collects about a quarter as often; the soft limit makes the collector work harder instead
// when the heap nears it (a large import), so the process stays within the memory budget of
// DESIGN.md (150 MB resident).
//
// An open WebSocket holds about 70 KB that no collection frees (goroutine stacks, buffers, a
// subscription's queue), so `vermerk serve` raises the limit by perSocketMemory for each:
// 5,000 subscribers hold 350 MB, and a fixed 120 MB limit made the collector run without
// pause, half the server's CPU, during every fan-out (the fan-out bench, 10,000 subscribers
// on 2 instances: 69 µs of CPU per delivered message, 26 µs with the limit out of the way).
const (
	defaultGCPercent   = 400
	defaultMemoryLimit = 120 << 20
	perSocketMemory    = 128 << 10
)

// memoryBudget is the soft memory limit: the default plus perSocketMemory per open WebSocket.
// Nil (GOMEMLIMIT set) leaves the limit alone.
type memoryBudget struct {
	mu      sync.Mutex
	sockets int64
}

func tuneGC(log *slog.Logger) *memoryBudget {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
		log.Debug("garbage collector: GOGC not set, using the server default", "gogc", defaultGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") != "" {
		return nil
	}
	debug.SetMemoryLimit(defaultMemoryLimit)
	log.Debug("garbage collector: GOMEMLIMIT not set, using the server default", "bytes", defaultMemoryLimit,
		"per_websocket", perSocketMemory)
	return &memoryBudget{}
}

// socketOpened and socketClosed move the limit with the number of open WebSockets.
func (m *memoryBudget) socketOpened() { m.move(1) }
func (m *memoryBudget) socketClosed() { m.move(-1) }

func (m *memoryBudget) move(by int64) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sockets += by
	debug.SetMemoryLimit(defaultMemoryLimit + m.sockets*perSocketMemory)
}
