package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/vermerk/vermerk/client/internal/i18n"
)

// TestEveryKeyTheUIUsesIsTranslated catches a typo in a translation key: Fyne would show
// the bare key instead of a sentence.
func TestEveryKeyTheUIUsesIsTranslated(t *testing.T) {
	names, err := i18n.FilesOf("en")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]any{}
	for _, name := range names {
		data, err := i18n.Files.ReadFile("translations/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &known); err != nil {
			t.Fatal(err)
		}
	}
	literal := regexp.MustCompile(`\b(?:t|tf|tn|T|N)\("([a-z_]+(?:\.[a-zA-Z_]+)+)"`)
	files, _ := filepath.Glob("*.go")
	app, _ := filepath.Glob("../app/*.go")
	for _, f := range append(files, app...) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(src), -1) {
			if _, ok := known[m[1]]; !ok {
				t.Errorf("%s uses %q, which the English translations lack", f, m[1])
			}
		}
	}
}
