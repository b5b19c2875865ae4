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
	data, err := i18n.Files.ReadFile("translations/en.json")
	if err != nil {
		t.Fatal(err)
	}
	var known map[string]any
	if err := json.Unmarshal(data, &known); err != nil {
		t.Fatal(err)
	}
	literal := regexp.MustCompile(`\b(?:t|tf|T)\("([a-z_]+(?:\.[a-zA-Z_]+)+)"`)
	files, _ := filepath.Glob("*.go")
	app, _ := filepath.Glob("../app/*.go")
	for _, f := range append(files, app...) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(src), -1) {
			if _, ok := known[m[1]]; !ok {
				t.Errorf("%s uses %q, which en.json lacks", f, m[1])
			}
		}
	}
}
