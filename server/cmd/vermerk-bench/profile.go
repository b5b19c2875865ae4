package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"time"
)

// profileDir (BENCH_PROFILE_DIR) is where the bench saves the servers' profiles: a CPU profile
// of the main server during each measured GraphQL load run, a heap profile of the first
// instance once the fan-out's subscribers are connected. Empty: no profiles.
var profileDir = os.Getenv("BENCH_PROFILE_DIR")

// cpuProfile fetches a CPU profile of s over the measured window of a load run that starts
// now, into profileDir/name-cpu.pprof, in the background; wait for it with the result.
func (b *bench) cpuProfile(ctx context.Context, s *server, name string) (wait func()) {
	if profileDir == "" || s == nil || s.debugURL == "" {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-time.After(b.scale.warmup):
		case <-ctx.Done():
			return
		}
		secs := max(1, int(b.scale.duration/time.Second)-1)
		b.saveProfile(ctx, s, fmt.Sprintf("/debug/pprof/profile?seconds=%d", secs), name+"-cpu.pprof")
	}()
	return func() { <-done }
}

// fanoutCPUProfile fetches a CPU profile of s over the next d (the fan-out's measured events)
// into profileDir/fanout-cpu.pprof, in the background; wait for it with the result.
func (b *bench) fanoutCPUProfile(ctx context.Context, s *server, d time.Duration) (wait func()) {
	if profileDir == "" || s.debugURL == "" {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.saveProfile(ctx, s, fmt.Sprintf("/debug/pprof/profile?seconds=%d", max(1, int(d/time.Second))), "fanout-cpu.pprof")
	}()
	return func() { <-done }
}

// ownCPUProfile profiles the bench process itself (its load generators and readers) into
// profileDir/file until stop is called.
func (b *bench) ownCPUProfile(file string) (stop func()) {
	if profileDir == "" {
		return func() {}
	}
	if err := os.MkdirAll(profileDir, 0o755); err != nil {
		return func() {}
	}
	f, err := os.Create(filepath.Join(profileDir, file))
	if err != nil {
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		b.progress("profile %s: %v", file, err)
		return func() {}
	}
	return sync.OnceFunc(func() {
		pprof.StopCPUProfile()
		f.Close()
		b.progress("saved %s", filepath.Join(profileDir, file))
	})
}

// saveProfile fetches path from s's profiler into profileDir/file.
func (b *bench) saveProfile(ctx context.Context, s *server, path, file string) {
	req, err := http.NewRequestWithContext(ctx, "GET", s.debugURL+path, nil)
	if err != nil {
		return
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.progress("profile %s: %v", file, err)
		return
	}
	defer resp.Body.Close()
	if err := os.MkdirAll(profileDir, 0o755); err != nil {
		return
	}
	f, err := os.Create(filepath.Join(profileDir, file))
	if err != nil {
		return
	}
	defer f.Close()
	if _, err := io.Copy(f, resp.Body); err == nil {
		b.progress("saved %s", filepath.Join(profileDir, file))
	}
}
