package embeddedpg

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// StartOrAttach is Start for the command-line tools (token, import, export, migrate) that run
// beside `vermerk serve`: when a postgres of this data directory is already running, it
// connects to that one (its port is in postmaster.pid, the password in the data directory)
// instead of failing; Stop then leaves it running. Attached reports which happened.
func StartOrAttach(ctx context.Context, opts Options) (c *Cluster, attached bool, err error) {
	c, err = prepare(ctx, opts)
	if err != nil {
		return nil, false, fmt.Errorf("embeddedpg.StartOrAttach: %w", err)
	}
	if pid, port, ok := c.running(); ok {
		c.port = port
		if err := c.ping(ctx); err != nil {
			return nil, false, fmt.Errorf("embeddedpg.StartOrAttach: PostgreSQL (pid %d) runs on %s but does not answer on port %d: %w",
				pid, c.pgdata, port, err)
		}
		c.log.Info("using the embedded PostgreSQL of the running vermerk server", "cluster_dir", c.dir, "pid", pid, "port", port)
		return c, true, nil
	}
	if err := c.Start(ctx); err != nil {
		return nil, false, err
	}
	return c, false, nil
}

// running reads postmaster.pid (pid, data directory, start time, port, …) and reports the
// port of the live postgres that owns this cluster.
func (c *Cluster) running() (pid, port int, ok bool) {
	b, err := os.ReadFile(filepath.Join(c.pgdata, "postmaster.pid"))
	if err != nil {
		return 0, 0, false
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 4 {
		return 0, 0, false
	}
	pid, err1 := strconv.Atoi(strings.TrimSpace(lines[0]))
	port, err2 := strconv.Atoi(strings.TrimSpace(lines[3]))
	if err1 != nil || err2 != nil || !isPostgres(pid, c.pgdata) {
		return 0, 0, false
	}
	return pid, port, true
}

func (c *Cluster) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.connString("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return conn.Ping(ctx)
}
