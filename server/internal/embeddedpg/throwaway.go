package embeddedpg

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Throwaway is a cluster in a temporary directory of its own, for a test or benchmark run:
// Remove deletes the cluster (wherever it lives, /var/lib/vermerk included) and the directory.
type Throwaway struct {
	*Cluster
	// Dir is the temporary directory; the cluster's data directory is Dir/db, and the run may
	// keep its own files beside it.
	Dir string
	// Orphans are the directories of killed runs (same prefix) that StartThrowaway removed.
	Orphans []string
}

// StartThrowaway makes a temporary directory prefix+random, claimed as this process's
// (ClaimTempDir), after removing those of runs that were killed before they cleaned up
// (RemoveOrphans), and starts a cluster in it with opts. opts.DataDir must be empty. Without
// opts.Fast the settings are the durable ones a real installation runs with (fsync on): what
// runs that measure time need.
func StartThrowaway(ctx context.Context, prefix string, opts Options) (*Throwaway, error) {
	if opts.DataDir != "" {
		return nil, errors.New("embeddedpg.StartThrowaway: Options.DataDir is set; the throwaway directory is the data directory")
	}
	t := &Throwaway{Orphans: RemoveOrphans(filepath.Join(os.TempDir(), prefix+"*"))}
	var err error
	if t.Dir, err = os.MkdirTemp("", prefix); err != nil {
		return nil, fmt.Errorf("embeddedpg.StartThrowaway: %w", err)
	}
	err = ClaimTempDir(t.Dir)
	if err == nil {
		// As root the database runs as user postgres, which must traverse this directory.
		err = os.Chmod(t.Dir, 0o711)
	}
	if err == nil {
		opts.DataDir = filepath.Join(t.Dir, "db")
		t.Cluster, err = Start(ctx, opts)
	}
	if err != nil {
		// a failed Start may have made a relocated cluster directory under /var/lib/vermerk
		removeRelocationsUnder(t.Dir)
		_ = os.RemoveAll(t.Dir)
		return nil, fmt.Errorf("embeddedpg.StartThrowaway: %w", err)
	}
	return t, nil
}

// Remove stops the cluster and deletes it and the temporary directory.
func (t *Throwaway) Remove(ctx context.Context) error {
	err := t.Cluster.Remove(ctx)
	if rerr := os.RemoveAll(t.Dir); rerr != nil {
		err = errors.Join(err, fmt.Errorf("embeddedpg.Throwaway.Remove: %w", rerr))
	}
	return err
}
