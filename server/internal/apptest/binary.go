package apptest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary builds the vermerk command once per test process, as users run it, and returns its
// path. One binary per user in the temp directory, replaced atomically: test packages built in
// parallel do not collide, and no run leaves a binary of its own behind.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		binPath = filepath.Join(os.TempDir(), fmt.Sprintf("vermerk-test-%d", os.Getuid()))
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
