package graphiql

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path"
	"regexp"
	"strings"
	"testing"
)

// TestEmbeddedFilesMatchChecksumList: the binary holds exactly the files SHA256SUMS lists,
// byte for byte (what fetch.sh took from the pinned npm tarballs), serves each under its
// checksum as ETag, and holds each package's licence beside its files.
func TestEmbeddedFilesMatchChecksumList(t *testing.T) {
	raw, err := os.ReadFile("SHA256SUMS")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok {
			t.Fatalf("SHA256SUMS line %q", line)
		}
		listed[name] = sum
		if a, ok := assets[name]; !ok || a.etag != `"`+sum[:32]+`"` {
			t.Errorf("%s: served as %+v; want it served with ETag %q", name, a, sum[:32])
		}
	}
	held := map[string]bool{}
	err = fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		held[name] = true
		body, err := fs.ReadFile(files, name)
		if err != nil {
			return err
		}
		if got := sha256.Sum256(body); hex.EncodeToString(got[:]) != listed[name] {
			t.Errorf("%s: sha256 %x; SHA256SUMS lists %q", name, got, listed[name])
		}
		if _, err := fs.Stat(files, path.Dir(name)+"/LICENSE"); err != nil {
			t.Errorf("%s has no LICENSE beside it", name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name := range listed {
		if !held[name] {
			t.Errorf("SHA256SUMS lists %s; the binary does not hold it", name)
		}
	}
}

// TestFetchScriptPinsTheServedVersions: fetch.sh fetches the package versions the asset
// directories are named after, so running it reproduces what is embedded.
func TestFetchScriptPinsTheServedVersions(t *testing.T) {
	raw, err := os.ReadFile("fetch.sh")
	if err != nil {
		t.Fatal(err)
	}
	pinned := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\t"([a-z@/-]+) ([0-9.]+) sha512-`).FindAllStringSubmatch(string(raw), -1) {
		pinned[m[1]+"-"+m[2]] = true
	}
	err = fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() || name == "." {
			return err
		}
		if !pinned[name] {
			t.Errorf("assets/%s: fetch.sh pins no such package version (it pins %v)", name, pinned)
		}
		return fs.SkipDir
	})
	if err != nil {
		t.Fatal(err)
	}
}
