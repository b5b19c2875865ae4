package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	_ "embed"
)

// The PostGraphile comparison installs from npm into the user's cache directory (never the
// repository) with the lock file kept beside this code.
var (
	//go:embed postgraphile/package.json
	postgraphilePackage []byte
	//go:embed postgraphile/package-lock.json
	postgraphileLock []byte
)

// postgraphileFigure serves the same database with PostGraphile and measures the same
// contact-by-id-with-e-mails request; Vermerk's contact_rps is the value, PostGraphile's the
// baseline. Without node/npm, or when npm cannot install, the line says why.
func (b *bench) postgraphileFigure(ctx context.Context, vermerk loadResult) error {
	f := figure{name: "contact_rps_postgraphile", value: vermerk.rps(), unit: "req/s", baseline: na,
		note: "baseline: PostGraphile 4.14.1 (Node, one process)"}
	if why := vermerk.failed(); why != "" {
		f.value = na
	}
	bin, err := installPostgraphile(ctx)
	if err != nil {
		f.note = "PostGraphile not run: " + err.Error()
		b.add(f)
		return nil
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	_, port, _ := net.SplitHostPort(addr)
	logPath := filepath.Join(b.dir, "postgraphile.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := exec.Command(bin, "--connection", b.dbURL, "--schema", "public", "--host", "127.0.0.1",
		"--port", port, "--disable-query-log", "--no-setof-functions-contain-nulls")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.note = "PostGraphile not run: " + err.Error()
		b.add(f)
		return nil
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	url := "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for gql(ctx, url, "", `{ __typename }`, nil, nil) != nil {
		if time.Now().After(deadline) || ctx.Err() != nil {
			f.note = "PostGraphile did not start; see " + logPath
			b.add(f)
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	n := b.contacts
	const query = `query Contact($id: UUID!) { contactById(id: $id) { id givenName familyName contactEmailsByContactId { nodes { address } } } }`
	client, err := newRawClient(url, b.scale.workers)
	if err != nil {
		return err
	}
	body := idBody(query, "id")
	res := b.load(ctx, "contact by id over PostGraphile", func(ctx context.Context, rnd *rand.Rand) error {
		id := contactID(1 + rnd.IntN(n))
		out, err := gqlData[struct {
			ContactByID *struct{ ID string } `json:"contactById"`
		}](ctx, client, "", body(id))
		if err != nil {
			return err
		}
		if out.ContactByID == nil || out.ContactByID.ID != id {
			return fmt.Errorf("contact %s not returned", id)
		}
		return nil
	})
	f.baseline = res.rps()
	if why := res.failed(); why != "" {
		f.baseline, f.note = na, "PostGraphile: "+why
	}
	b.add(f)
	return nil
}

// installPostgraphile runs npm ci in ~/.cache/vermerk-bench/postgraphile once and returns the
// path of the postgraphile command.
func installPostgraphile(ctx context.Context) (string, error) {
	if _, err := exec.LookPath("npm"); err != nil {
		return "", errors.New("npm is not installed (apt-get install nodejs npm)")
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, "vermerk-bench", "postgraphile")
	bin := filepath.Join(dir, "node_modules", ".bin", "postgraphile")
	if old, err := os.ReadFile(filepath.Join(dir, "package-lock.json")); err == nil && string(old) == string(postgraphileLock) {
		if _, err := os.Stat(bin); err == nil {
			return bin, nil
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	for name, data := range map[string][]byte{"package.json": postgraphilePackage, "package-lock.json": postgraphileLock} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return "", err
		}
	}
	fmt.Fprintf(os.Stderr, "· installing PostGraphile with npm into %s\n", dir)
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("npm ci failed: %v: %.300s", err, out)
	}
	return bin, nil
}
