package embeddedpg

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// process is a running child of this package.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the child has exited
	err  error         // result of Wait, valid after done
}

// spawn starts cmd as the database user with a parent-death signal.
func (o owner) spawn(cmd *exec.Cmd) (*process, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: o.cred,
		Pdeathsig:  syscall.SIGINT, // fast shutdown of postgres, cleanup of initdb
		Setpgid:    true,           // a terminal's Ctrl-C reaches vermerk, which stops the database in order
	}
	cmd.Env = childEnv()
	p := &process{cmd: cmd, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		// Pdeathsig fires when the forking *thread* exits, and the Go runtime
		// ends threads that a locked goroutine leaves: own the thread until the child is gone.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		p.err = cmd.Wait()
		close(p.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return p, nil
}

// childEnv drops PG* variables (PGDATA, PGPORT, …) that would redirect the server, and
// Vermerk's own secrets: VERMERK_* (the secret key, the admin token) and DATABASE_URL stay out
// of the database's environment, which a database superuser can read (/proc/self/environ).
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "PG") || strings.HasPrefix(name, "VERMERK_") || name == "DATABASE_URL" {
			continue
		}
		env = append(env, kv)
	}
	return env
}

func (p *process) signal(sig os.Signal) {
	_ = p.cmd.Process.Signal(sig)
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitTimeout waits up to d for the child to exit.
func (p *process) waitTimeout(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.done:
		return true
	case <-t.C:
		return false
	}
}

// isPostgres reports whether a live process with this pid is a PostgreSQL
// server; wantArg, when set, must also appear on its command line.
func isPostgres(pid int, wantArg string) bool {
	if pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return true // cannot tell: assume it is in use
	}
	if strings.TrimSpace(string(comm)) != "postgres" {
		return false
	}
	if wantArg == "" {
		return true
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return true
	}
	for _, arg := range bytes.Split(cmdline, []byte{0}) {
		if string(arg) == wantArg {
			return true
		}
	}
	return false
}

// firstLinePID reads the pid on the first line of a postgres lock file.
func firstLinePID(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	var pid int
	_, err = fmt.Sscan(strings.TrimSpace(line), &pid)
	return pid, err
}
