package apptest

import (
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary builds the vermerk command once per test process, as users run it, and returns its
// path. One binary per user and checkout in the temp directory, replaced atomically: test
// packages built in parallel do not collide, and no run leaves a binary of its own behind. The
// checkout is part of the name: tests of two checkouts at once (a colleague's worktree on the
// same machine) each run their own code, where one name had them run whichever was built last.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		_, self, _, _ := runtime.Caller(0) // this file, in the checkout the tests were built from
		checkout := sha256.Sum256([]byte(filepath.Dir(self)))
		binPath = filepath.Join(os.TempDir(), fmt.Sprintf("vermerk-test-%d-%x", os.Getuid(), checkout[:6]))
		tmp := fmt.Sprintf("%s.%d", binPath, os.Getpid())
		out, err := exec.Command("go", "build", "-o", tmp, "github.com/vermerk/vermerk/server/cmd/vermerk").CombinedOutput()
		if err == nil {
			err = os.Rename(tmp, binPath)
		}
		if err != nil {
			os.Remove(tmp)
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}
