package embeddedpg_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/vermerk/vermerk/server/internal/embeddedpg"
)

// TestRemoveOrphans: of the throwaway directories, only those claimed by a process that has
// ended are removed; a live process's and unclaimed ones stay.
func TestRemoveOrphans(t *testing.T) {
	root := t.TempDir()
	mk := func(name string) string {
		dir := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Join(dir, "pg"), 0o700); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	ended := exec.Command("true")
	if err := ended.Run(); err != nil {
		t.Fatal(err)
	}
	orphan, mine, unclaimed := mk("run-orphan"), mk("run-mine"), mk("run-unclaimed")
	if err := os.WriteFile(filepath.Join(orphan, ".vermerk-owner-pid"), []byte(strconv.Itoa(ended.Process.Pid)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := embeddedpg.ClaimTempDir(mine); err != nil {
		t.Fatal(err)
	}

	removed := embeddedpg.RemoveOrphans(filepath.Join(root, "run-*"))
	if !slices.Equal(removed, []string{orphan}) {
		t.Errorf("removed %v, want only %s", removed, orphan)
	}
	for dir, want := range map[string]bool{orphan: false, mine: true, unclaimed: true} {
		if _, err := os.Stat(dir); (err == nil) != want {
			t.Errorf("%s exists = %v, want %v", dir, err == nil, want)
		}
	}
}
