package embeddedpg_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/embeddedpg"
)

// A throwaway cluster runs durable unless asked to be fast, lives in a claimed temporary
// directory, removes the directories of killed runs with its prefix first, and Remove leaves
// nothing behind: not in the temporary directory, not under /var/lib/vermerk.
func TestThrowawayLeavesNothingBehind(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	ended := exec.Command("true")
	if err := ended.Run(); err != nil {
		t.Fatal(err)
	}
	orphan := filepath.Join(tmp, "vermerk-throwaway-test-killed")
	if err := os.MkdirAll(orphan, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(orphan, ".vermerk-owner-pid"), []byte(strconv.Itoa(ended.Process.Pid)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	for _, fast := range []bool{false, true} {
		tw, err := embeddedpg.StartThrowaway(ctx, "vermerk-throwaway-test-", embeddedpg.Options{Fast: fast})
		if err != nil {
			t.Fatal(err)
		}
		if !fast && !slices.Equal(tw.Orphans, []string{orphan}) {
			t.Errorf("orphans removed %v, want %s", tw.Orphans, orphan)
		}
		t.Logf("Fast %v: the cluster lives in %s", fast, tw.DataDir())
		if _, err := os.Stat(filepath.Join(tw.Dir, ".vermerk-owner-pid")); err != nil {
			t.Errorf("the directory is not claimed: %v", err)
		}
		conn, err := pgx.Connect(ctx, tw.ConnString("postgres"))
		if err != nil {
			t.Fatal(err)
		}
		var fsync string
		if err := conn.QueryRow(ctx, `SHOW fsync`).Scan(&fsync); err != nil {
			t.Fatal(err)
		}
		conn.Close(ctx)
		if want := map[bool]string{false: "on", true: "off"}[fast]; fsync != want {
			t.Errorf("Fast %v: fsync = %s, want %s", fast, fsync, want)
		}
		if err := tw.Remove(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left in the temporary directory: %v", left)
	}
	entries, _ := os.ReadDir("/var/lib/vermerk") // relocated clusters, each naming its data directory
	for _, e := range entries {
		if origin, _ := os.ReadFile(filepath.Join("/var/lib/vermerk", e.Name(), "data-dir")); strings.HasPrefix(string(origin), tmp) {
			t.Errorf("left the relocated cluster /var/lib/vermerk/%s (of %s)", e.Name(), origin)
		}
	}
	if _, err := embeddedpg.StartThrowaway(ctx, "vermerk-throwaway-test-", embeddedpg.Options{DataDir: tmp}); err == nil {
		t.Error("StartThrowaway with a DataDir: no error")
	}
}
