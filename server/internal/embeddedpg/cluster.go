package embeddedpg

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Superuser is the role initdb creates; ConnString logs in as it.
const Superuser = "vermerk"

// Options configure Start.
type Options struct {
	// DataDir is where the cluster lives (in DataDir/pg); see the package
	// comment for root.
	DataDir string
	// Port on 127.0.0.1; 0 picks a free port.
	Port int
	// Logger receives where the cluster lives and when it starts and stops; nil discards.
	Logger *slog.Logger
	// Fast turns off fsync, synchronous_commit and full_page_writes: for
	// throwaway test clusters only, a crash loses data.
	Fast bool
}

// Cluster is a private PostgreSQL server.
type Cluster struct {
	mu        sync.Mutex
	opts      Options
	log       *slog.Logger
	owner     owner
	bin       string
	dir       string // cluster directory (DataDir or its relocation)
	pgdata    string
	sockDir   string
	logPath   string
	password  string
	port      int
	relocated bool
	tempSock  bool // sockDir is a temp dir of its own, removed by Stop
	proc      *process
	logFile   *os.File
}

// Start initialises the cluster on first use, starts postgres and waits until it accepts connections.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	c, err := prepare(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("embeddedpg.Start: %w", err)
	}
	if err := c.Start(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

func prepare(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.DataDir == "" {
		return nil, errors.New("Options.DataDir is empty")
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	abs, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return nil, err
	}
	o, err := currentOwner()
	if err != nil {
		return nil, err
	}
	// The directories made here must be traversable by the database user before the check
	// below, or every new data directory of root would be relocated.
	if err := o.makeDataDir(abs); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	dir, relocated := o.clusterDir(abs)
	if relocated {
		if err := os.MkdirAll(relocatedRoot, 0o755); err != nil {
			return nil, fmt.Errorf("create %s: %w", relocatedRoot, err)
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		if err := o.chown(dir); err != nil {
			return nil, err
		}
		// Says whose cluster this is, for whoever finds it under /var/lib/vermerk.
		if err := os.WriteFile(filepath.Join(dir, originFile), []byte(abs+"\n"), 0o644); err != nil {
			return nil, err
		}
		log.Warn("embedded PostgreSQL runs as user postgres, which cannot reach the data directory; "+
			"the database lives elsewhere (make every directory above the data directory searchable by postgres, "+
			"chmod o+x, to keep it inside)",
			"data_dir", abs, "cluster_dir", dir)
	}
	c := &Cluster{
		opts:      opts,
		log:       log,
		owner:     o,
		dir:       dir,
		relocated: relocated,
		pgdata:    filepath.Join(dir, "pg"),
		logPath:   filepath.Join(dir, "postgres.log"),
		port:      opts.Port,
	}
	major := ""
	if b, err := os.ReadFile(filepath.Join(c.pgdata, "PG_VERSION")); err == nil {
		major = strings.TrimSpace(string(b))
	}
	if c.bin, err = findBinariesFor(major); err != nil {
		return nil, err
	}
	if err := c.makeSocketDir(); err != nil {
		return nil, err
	}
	if major == "" {
		if err := c.initdb(ctx); err != nil {
			return nil, err
		}
	}
	pw, err := os.ReadFile(filepath.Join(dir, "password"))
	if err != nil {
		return nil, fmt.Errorf("read the database password (delete %s to start from an empty database): %w", c.pgdata, err)
	}
	c.password = strings.TrimSpace(string(pw))
	return c, nil
}

// makeSocketDir creates the private socket directory; unix socket paths are
// limited to 107 bytes, so a deep DataDir gets one under the temp dir.
func (c *Cluster) makeSocketDir() error {
	c.sockDir = filepath.Join(c.dir, "run")
	if len(c.sockDir)+len("/.s.PGSQL.65535.lock") > 100 {
		d, err := os.MkdirTemp("", "vermerk-pg-")
		if err != nil {
			return err
		}
		c.sockDir, c.tempSock = d, true
	} else if err := os.MkdirAll(c.sockDir, 0o700); err != nil {
		return err
	}
	if err := os.Chmod(c.sockDir, 0o700); err != nil {
		return err
	}
	return c.owner.chown(c.sockDir)
}

func (c *Cluster) initdb(ctx context.Context) error {
	start := time.Now()
	// A directory without PG_VERSION is what an interrupted initdb left.
	if err := os.RemoveAll(c.pgdata); err != nil {
		return err
	}
	if err := os.Mkdir(c.pgdata, 0o700); err != nil {
		return err
	}
	if err := c.owner.chown(c.pgdata); err != nil {
		return err
	}
	secret := make([]byte, 24)
	if _, err := rand.Read(secret); err != nil {
		return err
	}
	pwPath := filepath.Join(c.dir, "password")
	if err := os.WriteFile(pwPath, []byte(hex.EncodeToString(secret)+"\n"), 0o600); err != nil {
		return err
	}
	if err := c.owner.chown(pwPath); err != nil {
		return err
	}
	args := []string{
		"-D", c.pgdata, "-U", Superuser, "--pwfile=" + pwPath,
		"--auth-local=trust", "--auth-host=scram-sha-256",
		"--encoding=UTF8", "--locale=C.UTF-8", "--lc-collate=C",
	}
	if c.opts.Fast {
		args = append(args, "--no-sync")
	}
	logFile, offset, err := openLog(c.logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := exec.Command(filepath.Join(c.bin, "initdb"), args...)
	cmd.Dir = c.dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	p, err := c.owner.spawn(cmd)
	if err != nil {
		return fmt.Errorf("initdb: %w", err)
	}
	select {
	case <-p.done:
	case <-ctx.Done():
		p.signal(syscall.SIGINT)
		<-p.done
		return fmt.Errorf("initdb: %w", ctx.Err())
	}
	if p.err != nil {
		return fmt.Errorf("initdb %s: %w\n%s", c.pgdata, p.err, logTail(c.logPath, offset, 20))
	}
	c.log.Info("embedded PostgreSQL initialised", "cluster_dir", c.dir, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// Start starts the server again after Stop, on the same port.
func (c *Cluster) Start(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.proc != nil {
		return nil
	}
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		pick := c.port == 0
		if pick {
			if c.port, err = freePort(); err != nil {
				return fmt.Errorf("embeddedpg.Start: %w", err)
			}
		}
		err = c.start(ctx)
		if err == nil || !pick || !errors.Is(err, errPortInUse) {
			break
		}
		c.port = 0 // someone took the free port between our probe and postgres' bind
	}
	if err != nil {
		return fmt.Errorf("embeddedpg.Start(%s): %w", c.dir, err)
	}
	return nil
}

var errPortInUse = errors.New("port in use")

func (c *Cluster) start(ctx context.Context) error {
	start := time.Now()
	if c.tempSock && c.sockDir == "" {
		if err := c.makeSocketDir(); err != nil {
			return err
		}
	}
	if err := c.removeStaleLocks(); err != nil {
		return err
	}
	logFile, offset, err := openLog(c.logPath)
	if err != nil {
		return err
	}
	args := []string{
		"-D", c.pgdata,
		"-p", strconv.Itoa(c.port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories=" + c.sockDir,
		"-c", "unix_socket_permissions=0700",
		// Failed statements and their DETAIL lines carry values (personal data): keep them out of the log.
		"-c", "log_min_messages=log",
		"-c", "log_min_error_statement=panic",
		"-c", "log_error_verbosity=terse",
		"-c", "log_statement=none",
		"-c", "logging_collector=off",
	}
	if c.opts.Fast {
		args = append(args,
			"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
			"-c", "max_connections=200", "-c", "shared_buffers=32MB")
	} else {
		args = append(args, "-c", "shared_buffers="+sharedBuffers(memTotal()), "-c", "max_wal_size="+maxWALSize)
	}
	cmd := exec.Command(filepath.Join(c.bin, "postgres"), args...)
	cmd.Dir = c.pgdata
	cmd.Stdout, cmd.Stderr = logFile, logFile
	p, err := c.owner.spawn(cmd)
	if err != nil {
		logFile.Close()
		return fmt.Errorf("postgres: %w", err)
	}
	if err := c.waitReady(ctx, p); err != nil {
		if !p.exited() {
			p.signal(syscall.SIGQUIT)
			if !p.waitTimeout(5 * time.Second) {
				p.signal(syscall.SIGKILL)
				<-p.done
			}
		}
		logFile.Close()
		tail := logTail(c.logPath, offset, 20)
		if strings.Contains(tail, "could not bind") || strings.Contains(tail, "Address already in use") {
			err = fmt.Errorf("%w: 127.0.0.1:%d: %w", errPortInUse, c.port, err)
		}
		return fmt.Errorf("%w\n--- last lines of %s ---\n%s", err, c.logPath, tail)
	}
	c.proc, c.logFile = p, logFile
	c.log.Info("embedded PostgreSQL started", "cluster_dir", c.dir, "port", c.port, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// waitReady polls with real connections until the server answers.
func (c *Cluster) waitReady(ctx context.Context, p *process) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var lastErr error
	for {
		select {
		case <-p.done:
			return fmt.Errorf("postgres exited during start: %v", p.err)
		case <-ctx.Done():
			return fmt.Errorf("postgres did not become ready: %w (last: %v)", ctx.Err(), lastErr)
		case <-tick.C:
		}
		cctx, ccancel := context.WithTimeout(ctx, 2*time.Second)
		conn, err := pgx.Connect(cctx, c.connString("postgres"))
		if err == nil {
			err = conn.Ping(cctx)
			conn.Close(cctx)
		}
		ccancel()
		if err == nil {
			return nil
		}
		lastErr = err
	}
}

// removeStaleLocks deletes lock files that no live postgres owns, such as
// those left after a crash or when a container reuses the recorded pid.
func (c *Cluster) removeStaleLocks() error {
	pidFile := filepath.Join(c.pgdata, "postmaster.pid")
	if pid, err := firstLinePID(pidFile); err == nil || !errors.Is(err, os.ErrNotExist) {
		// A server whose parent just died may still be in its fast shutdown.
		deadline := time.Now().Add(5 * time.Second)
		for isPostgres(pid, c.pgdata) {
			if time.Now().After(deadline) {
				return fmt.Errorf("PostgreSQL (pid %d) is already running on %s: stop the other vermerk process using it", pid, c.pgdata)
			}
			time.Sleep(50 * time.Millisecond)
		}
		c.log.Info("removing stale PostgreSQL lock file", "path", pidFile)
		if err := os.Remove(pidFile); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	locks, _ := filepath.Glob(filepath.Join(c.sockDir, ".s.PGSQL.*.lock"))
	for _, lock := range locks {
		if pid, err := firstLinePID(lock); err == nil && isPostgres(pid, "") {
			continue
		}
		_ = os.Remove(lock)
		_ = os.Remove(strings.TrimSuffix(lock, ".lock"))
	}
	return nil
}

// Stop shuts the server down fast (SIGINT: sessions end, a checkpoint is
// written) and waits; when ctx ends first it escalates to an immediate shutdown.
func (c *Cluster) Stop(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.proc
	if p == nil {
		return nil
	}
	p.signal(syscall.SIGINT)
	var err error
	select {
	case <-p.done:
	case <-ctx.Done():
		err = fmt.Errorf("embeddedpg.Stop: %w; sent SIGQUIT", ctx.Err())
		p.signal(syscall.SIGQUIT)
		if !p.waitTimeout(5 * time.Second) {
			p.signal(syscall.SIGKILL)
			<-p.done
		}
	}
	c.proc = nil
	c.logFile.Close()
	if c.tempSock {
		_ = os.RemoveAll(c.sockDir)
		c.sockDir = ""
	}
	c.log.Info("embedded PostgreSQL stopped", "cluster_dir", c.dir)
	return err
}

// Remove stops the server and deletes the cluster with all its data: the cluster directory
// (a relocation under /var/lib/vermerk too) and its socket directory. For throwaway clusters
// of tests and benchmarks.
func (c *Cluster) Remove(ctx context.Context) error {
	err := c.Stop(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, d := range []string{c.pgdata, c.dir} {
		if rerr := os.RemoveAll(d); rerr != nil {
			err = errors.Join(err, fmt.Errorf("embeddedpg.Remove: %w", rerr))
		}
	}
	return err
}

// Relocated reports whether the cluster lives outside Options.DataDir (see the package comment).
func (c *Cluster) Relocated() bool { return c.relocated }

// ConnString is a postgres:// URL for dbname over 127.0.0.1 TCP, with the
// superuser's password: do not log it.
func (c *Cluster) ConnString(dbname string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.connString(dbname)
}

func (c *Cluster) connString(dbname string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(Superuser, c.password),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path:     "/" + dbname,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// DataDir is the directory the cluster lives in: Options.DataDir made
// absolute, or its relocation under /var/lib/vermerk when running as root.
func (c *Cluster) DataDir() string { return c.dir }

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
