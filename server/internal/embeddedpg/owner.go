package embeddedpg

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// relocatedRoot holds clusters of root whose DataDir the postgres user cannot reach.
const relocatedRoot = "/var/lib/vermerk"

// owner is the OS user the database processes run as: the current user, or
// the postgres system user when the current user is root.
type owner struct {
	cred *syscall.Credential // nil: run as the current user
}

func currentOwner() (owner, error) {
	if os.Geteuid() != 0 {
		return owner{}, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return owner{}, fmt.Errorf("running as root needs the system user postgres to run the database "+
			"(initdb refuses root); install the PostgreSQL server package or run vermerk as a normal user: %w", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return owner{}, fmt.Errorf("user postgres: %w", err)
	}
	cred := &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	if ids, err := u.GroupIds(); err == nil {
		for _, id := range ids {
			if g, err := strconv.ParseUint(id, 10, 32); err == nil {
				cred.Groups = append(cred.Groups, uint32(g))
			}
		}
	}
	return owner{cred: cred}, nil
}

// chown gives path to the database user; a no-op unless running as root.
func (o owner) chown(path string) error {
	if o.cred == nil {
		return nil
	}
	if err := os.Chown(path, int(o.cred.Uid), int(o.cred.Gid)); err != nil {
		return fmt.Errorf("chown %s to postgres: %w", path, err)
	}
	return nil
}

// canTraverse reports whether the database user may search every directory
// from / down to dir (ACLs are ignored, which errs on the side of relocating).
func (o owner) canTraverse(dir string) bool {
	if o.cred == nil {
		return true
	}
	for p := dir; ; p = filepath.Dir(p) {
		var st syscall.Stat_t
		if err := syscall.Stat(p, &st); err != nil {
			return false
		}
		if !o.mayExec(st) {
			return false
		}
		if p == "/" {
			return true
		}
	}
}

func (o owner) mayExec(st syscall.Stat_t) bool {
	switch {
	case st.Uid == o.cred.Uid:
		return st.Mode&0o100 != 0
	case o.inGroup(st.Gid):
		return st.Mode&0o010 != 0
	default:
		return st.Mode&0o001 != 0
	}
}

func (o owner) inGroup(gid uint32) bool {
	if gid == o.cred.Gid {
		return true
	}
	for _, g := range o.cred.Groups {
		if g == gid {
			return true
		}
	}
	return false
}

// originFile, in a relocated cluster directory, names the data directory it belongs to.
const originFile = "data-dir"

// makeDataDir creates dir and its missing parents. As root the directories it creates are
// searchable by the database user (mode 0711: no listing, and the files root keeps there
// stay 0600), so that a new data directory needs no relocation.
func (o owner) makeDataDir(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := o.makeDataDir(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil
		}
		return err
	}
	if o.cred == nil {
		return nil
	}
	return os.Chmod(dir, 0o711)
}

// RelocationOf is where root's cluster for the absolute dataDir lives when the database user
// cannot reach dataDir.
func RelocationOf(dataDir string) string {
	sum := sha256.Sum256([]byte(dataDir))
	return filepath.Join(relocatedRoot, hex.EncodeToString(sum[:6]))
}

// clusterDir picks the directory the cluster lives in for the absolute dataDir.
func (o owner) clusterDir(dataDir string) (dir string, relocated bool) {
	if o.canTraverse(dataDir) {
		return dataDir, false
	}
	return RelocationOf(dataDir), true
}
