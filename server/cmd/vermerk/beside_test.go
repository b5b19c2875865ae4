package main

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestToolsWorkBesideARunningServer: while `vermerk serve` runs on its embedded PostgreSQL,
// `vermerk token create`, `import` and `export` of the same data directory use that database
// (they used to stop with "already running"), and what they do is what the server sees.
func TestToolsWorkBesideARunningServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an embedded PostgreSQL")
	}
	if _, err := exec.LookPath("initdb"); err != nil {
		if _, err := os.Stat("/usr/lib/postgresql"); err != nil {
			t.Skip("PostgreSQL's binaries are not installed")
		}
	}
	bin := filepath.Join(t.TempDir(), "vermerk")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// As root the database runs as user postgres, which must reach the data directory.
	base, err := os.MkdirTemp("", "vermerk-beside-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(base, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := append(os.Environ(), "VERMERK_ADDR="+addr, "DATABASE_URL=", "VERMERK_SECRET_KEY=",
		"VERMERK_ADMIN_TOKEN="+testAdminToken, "VERMERK_DATA_DIR="+filepath.Join(base, "data"))

	var serverLog bytes.Buffer
	serve := exec.Command(bin, "serve")
	serve.Env, serve.Stdout, serve.Stderr = env, &serverLog, &serverLog
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = serve.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = serve.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = serve.Process.Kill()
			<-exited
		}
	})
	deadline := time.Now().Add(90 * time.Second)
	for {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-exited:
			t.Fatalf("vermerk serve exited:\n%s", serverLog.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("vermerk serve not ready after 90 s:\n%s", serverLog.String())
		}
		time.Sleep(100 * time.Millisecond)
	}

	tool := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("vermerk %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		if !strings.Contains(stderr.String(), "running vermerk server") {
			t.Errorf("vermerk %s did not say it uses the running server's database:\n%s", args[0], stderr.String())
		}
		return string(out)
	}
	query := func(token, q string) map[string]any {
		t.Helper()
		body, _ := json.Marshal(map[string]string{"query": q})
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/graphql", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r struct {
			Data   map[string]any
			Errors []any
		}
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || len(r.Errors) > 0 {
			t.Fatalf("%s: %v %v", q, err, r.Errors)
		}
		return r.Data
	}

	secret := strings.TrimSpace(tool("token", "create", "--name", "Erika Mustermann", "--role", "STAFF"))
	me := query(secret, `{ me { name role } }`)["me"].(map[string]any)
	if me["name"] != "Erika Mustermann" || me["role"] != "STAFF" {
		t.Fatalf("the server sees the new token as %v", me)
	}

	csv := filepath.Join(base, "adressen.csv")
	if err := os.WriteFile(csv, []byte("Vorname;Nachname;E-Mail;Kundennummer\nMax;Mustermann;max.muster@example.com;K-1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// the counts, and the column it did not know (the README: "Unknown columns are reported")
	if out := tool("import", csv); !strings.Contains(out, "inserted 1") || !strings.Contains(out, "Kundennummer") {
		t.Errorf("import printed %q", out)
	}
	edges := query(secret, `{ contacts(search: "Mustermann") { edges { node { id familyName } } } }`)["contacts"].(map[string]any)["edges"].([]any)
	if len(edges) != 1 {
		t.Fatalf("the server finds %d imported contacts, want 1", len(edges))
	}
	id := edges[0].(map[string]any)["node"].(map[string]any)["id"].(string)
	if out := tool("export", id); !strings.Contains(out, "max.muster@example.com") {
		t.Errorf("export of the imported contact lacks its e-mail:\n%s", out)
	}
	select {
	case <-exited:
		t.Fatalf("the server stopped while the tools ran:\n%s", serverLog.String())
	default:
	}
}
