package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRunLeavesNothingBehind runs the bench the way `make bench` does (its own durable cluster,
// the built binary as server) at a tiny scale and checks that neither its temp directory nor a
// relocated cluster under /var/lib/vermerk outlives it: a full run writes gigabytes there.
func TestRunLeavesNothingBehind(t *testing.T) {
	if testing.Short() {
		t.Skip("builds vermerk and starts a cluster and a server")
	}
	tmp, err := os.MkdirTemp("", "vermerk-bench-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	t.Setenv("TMPDIR", tmp)
	t.Setenv("BENCH_ONLY", "screen")
	before := relocatedClusters(t)

	sc := scales["small"]
	sc.name, sc.blacklist, sc.warmup, sc.duration = "test", 500, 50*time.Millisecond, 200*time.Millisecond
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	devnull, _ := os.Open(os.DevNull)
	defer devnull.Close()
	if err := run(ctx, sc, devnull); err != nil {
		t.Fatal(err)
	}

	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		var names []string
		for _, e := range left {
			names = append(names, e.Name())
		}
		t.Errorf("the bench left %s in its temp dir", strings.Join(names, ", "))
	}
	for dir, origin := range relocatedClusters(t) {
		if _, old := before[dir]; !old && strings.HasPrefix(origin, tmp) {
			t.Errorf("the bench left the relocated cluster %s (of %s)", dir, origin)
			os.RemoveAll(dir)
		}
	}
}

// relocatedClusters maps each cluster directory under /var/lib/vermerk to the data directory
// it names.
func relocatedClusters(t *testing.T) map[string]string {
	t.Helper()
	found := map[string]string{}
	entries, _ := os.ReadDir("/var/lib/vermerk")
	for _, e := range entries {
		dir := filepath.Join("/var/lib/vermerk", e.Name())
		origin, _ := os.ReadFile(filepath.Join(dir, "data-dir"))
		found[dir] = strings.TrimSpace(string(origin))
	}
	return found
}
