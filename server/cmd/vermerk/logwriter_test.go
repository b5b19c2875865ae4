package main

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/testlog"
)

// The server's request lines reach stderr within the flush delay, all of them and in order;
// a warning goes out at once, with the lines before it.
func TestBatchedLogLines(t *testing.T) {
	var out testlog.Buffer
	bw := &batchedWriter{out: &out, delay: 200 * time.Millisecond}
	log := slog.New(flushingHandler{slog.NewTextHandler(bw, nil), bw})
	log.Info("request", "n", 1)
	log.Info("request", "n", 2)
	if s := out.String(); s != "" {
		t.Fatalf("an informational line was written at once: %q", s)
	}
	log.Warn("shutdown: requests still running")
	if s := out.String(); strings.Count(s, "\n") != 3 || !strings.Contains(s, "n=1") || strings.Index(s, "n=2") > strings.Index(s, "WARN") {
		t.Fatalf("after a warning, want the two request lines and the warning in order, got %q", s)
	}
	log.Info("request", "n", 3)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "n=3") {
		if time.Now().After(deadline) {
			t.Fatalf("a request line was not written within the flush delay: %q", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	for i := range maxBatched / 20 { // more than the buffer holds: written without waiting
		log.Info("request", "n", i)
	}
	if len(out.String()) < maxBatched/2 {
		t.Errorf("a full buffer was held back: %d bytes written", len(out.String()))
	}
	bw.Flush()
}
