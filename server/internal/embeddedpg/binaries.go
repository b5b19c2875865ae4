package embeddedpg

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// ErrNoBinaries says that no PostgreSQL server binaries were found.
var ErrNoBinaries = errors.New("no PostgreSQL server binaries (initdb, postgres) found: " +
	"install the PostgreSQL server: sudo apt-get install postgresql (Debian/Ubuntu), " +
	"or put initdb and postgres on PATH")

// FindBinaries returns the directory holding initdb and postgres: the one that
// `pg_config --bindir` names, else the one on PATH, else the highest version
// under /usr/lib/postgresql/*/bin.
func FindBinaries() (string, error) {
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if dir := strings.TrimSpace(string(out)); hasServer(dir) {
			return dir, nil
		}
	}
	if initdb, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(initdb); err == nil && hasServer(filepath.Dir(real)) {
			return filepath.Dir(real), nil
		}
		if hasServer(filepath.Dir(initdb)) {
			return filepath.Dir(initdb), nil
		}
	}
	dirs := debianBinDirs()
	for i := len(dirs) - 1; i >= 0; i-- {
		if hasServer(dirs[i].dir) {
			return dirs[i].dir, nil
		}
	}
	return "", ErrNoBinaries
}

// findBinariesFor prefers binaries of the major version that created an
// existing data directory: PostgreSQL cannot open another major's cluster.
func findBinariesFor(major string) (string, error) {
	dir, err := FindBinaries()
	if err != nil || major == "" {
		return dir, err
	}
	if v, verr := binaryMajor(dir); verr == nil && v == major {
		return dir, nil
	}
	for _, d := range debianBinDirs() {
		if strconv.Itoa(d.major) == major && hasServer(d.dir) {
			return d.dir, nil
		}
	}
	v, _ := binaryMajor(dir)
	return "", fmt.Errorf("the database was created by PostgreSQL %s but the binaries in %s are PostgreSQL %s: "+
		"install PostgreSQL %s (sudo apt-get install postgresql-%s), or upgrade the data with pg_upgrade", major, dir, v, major, major)
}

type versionDir struct {
	major int
	dir   string
}

// debianBinDirs lists /usr/lib/postgresql/*/bin in ascending version order.
func debianBinDirs() []versionDir {
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	var dirs []versionDir
	for _, m := range matches {
		if v, err := strconv.Atoi(filepath.Base(filepath.Dir(m))); err == nil {
			dirs = append(dirs, versionDir{v, m})
		}
	}
	sort.Slice(dirs, func(i, j int) bool { return dirs[i].major < dirs[j].major })
	return dirs
}

func hasServer(dir string) bool {
	if dir == "" {
		return false
	}
	for _, name := range []string{"initdb", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

var versionRE = regexp.MustCompile(`PostgreSQL\)?\s+(\d+)`)

func binaryMajor(dir string) (string, error) {
	out, err := exec.Command(filepath.Join(dir, "postgres"), "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%s/postgres --version: %w", dir, err)
	}
	m := versionRE.FindSubmatch(out)
	if m == nil {
		return "", fmt.Errorf("%s/postgres --version: unexpected output %q", dir, out)
	}
	return string(m[1]), nil
}
