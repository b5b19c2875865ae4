package embeddedpg

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// claimFile, in a throwaway directory, holds the pid of the process that uses it.
const claimFile = ".vermerk-owner-pid"

// ClaimTempDir marks dir, a throwaway directory of a test or benchmark run, as this process's,
// so that RemoveOrphans of a later run can delete it should this one die without cleaning up.
func ClaimTempDir(dir string) error {
	return os.WriteFile(filepath.Join(dir, claimFile), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
}

// RemoveOrphans deletes the claimed directories matching pattern (filepath.Glob) whose process
// has ended, with the relocated clusters under /var/lib/vermerk that belonged to them.
// Directories without a claim are left alone. It returns what it removed.
func RemoveOrphans(pattern string) []string {
	dirs, _ := filepath.Glob(pattern)
	var removed []string
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, claimFile))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 || alive(pid) {
			continue
		}
		removeRelocationsUnder(dir)
		if os.RemoveAll(dir) == nil {
			removed = append(removed, dir)
		}
	}
	return removed
}

// removeRelocationsUnder deletes the relocated clusters whose data directory lies in dir, unless
// their server still runs.
func removeRelocationsUnder(dir string) {
	entries, _ := os.ReadDir(relocatedRoot)
	for _, e := range entries {
		cluster := filepath.Join(relocatedRoot, e.Name())
		origin, err := os.ReadFile(filepath.Join(cluster, originFile))
		if err != nil {
			continue
		}
		o := strings.TrimSpace(string(origin))
		if o != dir && !strings.HasPrefix(o, dir+string(filepath.Separator)) {
			continue
		}
		if pid, err := firstLinePID(filepath.Join(cluster, "pg", "postmaster.pid")); err == nil && alive(pid) {
			continue
		}
		_ = os.RemoveAll(cluster)
	}
}

func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}
