package embeddedpg_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vermerk/vermerk/server/internal/embeddedpg"
)

func TestFindBinaries(t *testing.T) {
	dir, err := embeddedpg.FindBinaries()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"initdb", "postgres"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
}

func TestNoBinariesErrorSaysWhatToInstall(t *testing.T) {
	msg := embeddedpg.ErrNoBinaries.Error()
	for _, want := range []string{"sudo apt-get install postgresql", "initdb and postgres on PATH"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q does not say %q", msg, want)
		}
	}
}
