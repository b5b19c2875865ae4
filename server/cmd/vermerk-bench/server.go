package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// adminToken is the bootstrap admin token of every bench server.
const adminToken = "bench-admin-token-0123456789"

// httpClient keeps connections alive for all workers.
var httpClient = &http.Client{
	Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute},
	Timeout:   time.Minute,
}

// build compiles the vermerk binary the servers run.
func (b *bench) build(ctx context.Context) error {
	b.binary = filepath.Join(b.dir, "vermerk")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", b.binary, "github.com/vermerk/vermerk/server/cmd/vermerk")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build vermerk (run make bench from the repository): %v\n%s", err, out)
	}
	return nil
}

// server is one running vermerk serve.
type server struct {
	url      string
	debugURL string // its profiler, with BENCH_PROFILE_DIR
	cmd      *exec.Cmd
	logPath  string
	exited   chan struct{}
}

func (s *server) wsURL() string { return "ws" + strings.TrimPrefix(s.url, "http") + "/graphql" }

// startServer runs vermerk serve on the bench database (logs into the bench directory). The
// screen rate limit is lifted: the bench is one token asking thousands of times a second.
func (b *bench) startServer(ctx context.Context, dbURL string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(b.binary, "serve")
	cmd.Env = append(os.Environ(),
		"VERMERK_ADDR="+addr,
		"DATABASE_URL="+dbURL,
		"VERMERK_SECRET_KEY="+b.secret,
		"VERMERK_ADMIN_TOKEN="+adminToken,
		"VERMERK_DATA_DIR="+filepath.Join(b.dir, "data-"+strings.ReplaceAll(addr, ":", "-")),
		"VERMERK_SCREEN_RATE=1000000000",
		"VERMERK_SIGNUP_RATE=1000000000",
		"VERMERK_TRUSTED_PROXIES=127.0.0.1", // the sign-up figure confirms from many client addresses
		// the load generator is one client with one token: thousands of sockets and operations
		"VERMERK_WS_PER_TOKEN=100000",
		"VERMERK_OPS_PER_TOKEN=100000",
	)
	var debugURL string
	if profileDir != "" {
		debugAddr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		debugURL = "http://" + debugAddr
		cmd.Env = append(cmd.Env, "VERMERK_DEBUG_ADDR="+debugAddr)
	}
	s, err := b.startProcess(ctx, cmd, "http://"+addr, "vermerk-"+strings.ReplaceAll(addr, ":", "-")+".log")
	if err != nil {
		return nil, fmt.Errorf("vermerk serve: %w", err)
	}
	s.debugURL = debugURL
	return s, nil
}

// freeAddr is a loopback address (host:port) no one listens on now, for a process the bench
// starts to listen on.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startProcess starts cmd, which serves url, with its output in logName in the bench
// directory, and waits until url/readyz answers 200.
func (b *bench) startProcess(ctx context.Context, cmd *exec.Cmd, url, logName string) (*server, error) {
	s := &server{url: url, cmd: cmd, exited: make(chan struct{})}
	s.logPath = filepath.Join(b.dir, logName)
	logFile, err := os.Create(s.logPath)
	if err != nil {
		return nil, err
	}
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	go func() { _ = s.cmd.Wait(); logFile.Close(); close(s.exited) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := httpClient.Get(s.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		select {
		case <-s.exited:
			return nil, fmt.Errorf("exited at start; see the end of its log:\n%s", tail(s.logPath))
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("not ready after 60 s:\n%s", tail(s.logPath))
		}
	}
}

// stop sends SIGTERM and waits (SIGKILL after 30 s).
func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// peakRSS is the server's peak resident memory so far in bytes (VmHWM).
func (s *server) peakRSS() (int64, error) { return s.status("VmHWM:") }

// rss is the server's resident memory now in bytes (VmRSS).
func (s *server) rss() (int64, error) { return s.status("VmRSS:") }

// status reads a size in kB from the process's /proc status.
func (s *server) status(field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no %s in /proc status", field)
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-20):], "\n")
}

// gqlError is a GraphQL error as the server sends it.
type gqlError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

// gql posts one operation and decodes data into out (nil: only check for errors).
func gql(ctx context.Context, url, token, query string, vars map[string]any, out any) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, "POST", url+"/graphql", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	return decodeGQL(resp.StatusCode, data, out)
}

// decodeGQL reads a GraphQL answer: its first error, else data into out (nil: none wanted).
func decodeGQL(status int, data []byte, out any) error {
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlError      `json:"errors"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return fmt.Errorf("HTTP %d: %.200s", status, data)
	}
	if len(r.Errors) > 0 {
		return fmt.Errorf("%s (%v)", r.Errors[0].Message, r.Errors[0].Extensions["code"])
	}
	if status != http.StatusOK {
		return fmt.Errorf("HTTP %d: %.200s", status, data)
	}
	if out != nil {
		return json.Unmarshal(r.Data, out)
	}
	return nil
}

// createToken makes an API token through the admin API and returns its secret.
func createToken(ctx context.Context, s *server, name, role string, purposes []string) (string, error) {
	var out struct {
		CreateAPIToken struct{ Secret string } `json:"createApiToken"`
	}
	err := gql(ctx, s.url, adminToken, `mutation($n: String!, $r: Role!, $p: [String!]) {
		createApiToken(name: $n, role: $r, purposeKeys: $p) { secret } }`,
		map[string]any{"n": name, "r": role, "p": purposes}, &out)
	if err != nil {
		return "", fmt.Errorf("create %s token: %w", role, err)
	}
	return out.CreateAPIToken.Secret, nil
}
