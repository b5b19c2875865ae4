package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// logFlushDelay is how long `vermerk serve` holds an informational log line at most.
const logFlushDelay = 50 * time.Millisecond

// batchedWriter collects log lines and writes them out together, at most delay after the
// first: under load the server logs one line per request, and a write system call for each
// was 3-4 % of a contact(id) request's CPU (more when stderr is a pipe to journald).
// Warnings and errors are written at once (see flushingHandler); a crash of the process
// loses at most delay's worth of request lines.
type batchedWriter struct {
	out   io.Writer
	delay time.Duration

	mu    sync.Mutex
	buf   []byte
	armed bool
}

// maxBatched is the most a batchedWriter holds before it writes at once.
const maxBatched = 64 << 10

func (w *batchedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf)+len(p) > maxBatched {
		w.flushLocked()
	}
	w.buf = append(w.buf, p...)
	if !w.armed {
		w.armed = true
		time.AfterFunc(w.delay, w.Flush)
	}
	return len(p), nil
}

// Flush writes out what is held.
func (w *batchedWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.flushLocked()
	w.armed = false
}

func (w *batchedWriter) flushLocked() {
	if len(w.buf) > 0 {
		_, _ = w.out.Write(w.buf)
		w.buf = w.buf[:0]
	}
}

// flushingHandler writes every record of level Warn and above out at once.
type flushingHandler struct {
	slog.Handler
	w *batchedWriter
}

func (h flushingHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		h.w.Flush()
	}
	return err
}

func (h flushingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushingHandler{h.Handler.WithAttrs(attrs), h.w}
}

func (h flushingHandler) WithGroup(name string) slog.Handler {
	return flushingHandler{h.Handler.WithGroup(name), h.w}
}
