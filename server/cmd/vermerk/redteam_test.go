package main

// Red-team tests of issue 15 (hardening), item 6: the bootstrap admin token. Run against the
// code before the fix, both failed (the token was printed on every start; "off" was refused
// as a token shorter than 16 characters).

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/pgtest"
)

func postAs(t *testing.T, s *binaryServer, token, query string) (int, string) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequest("POST", "http://"+s.addr+"/graphql", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// The generated admin token is kept in the data directory; a start with DATABASE_URL names
// the file, never the token.
func TestRedTeamAdminTokenIsNotPrinted(t *testing.T) {
	bin, dataDir := buildBinary(t), t.TempDir()
	s := startBinaryOn(t, bin, pgtest.NewDB(t), "VERMERK_ADMIN_TOKEN=", "VERMERK_DATA_DIR="+dataDir)
	raw, err := os.ReadFile(filepath.Join(dataDir, "admin-token"))
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(string(raw))
	waitFor(t, "the start banner", func() bool { return strings.Contains(s.log(), "Vermerk is running") })
	if out := s.log(); strings.Contains(out, token) {
		t.Errorf("the admin token is in the output:\n%s", out)
	} else if !strings.Contains(out, filepath.Join(dataDir, "admin-token")) {
		t.Errorf("the output should say where the token is kept:\n%s", out)
	}
	if status, body := postAs(t, s, token, `{ me { role } }`); status != 200 || !strings.Contains(body, "ADMIN") {
		t.Errorf("the kept token should work: %d %s", status, body)
	}
}

// VERMERK_ADMIN_TOKEN=off turns the bootstrap token off, once an ADMIN API token exists.
func TestRedTeamAdminTokenOff(t *testing.T) {
	bin, db := buildBinary(t), pgtest.NewDB(t)

	// no ADMIN API token yet: refused, saying what to do
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "serve")
	cmd.Env = append(os.Environ(), "VERMERK_ADDR=127.0.0.1:0", "DATABASE_URL="+db, "VERMERK_ADMIN_TOKEN=off",
		"VERMERK_SECRET_KEY=c2VjcmV0LWtleS1zZW50aW5lbC0wMTIzNDU2Nzg5YWI=", "VERMERK_DATA_DIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "no ADMIN API token exists") {
		t.Fatalf("off without an ADMIN API token: %v\n%s", err, out)
	}

	// with one: the bootstrap token is refused, the API token works
	first := startBinaryOn(t, bin, db, "VERMERK_SECRET_KEY=c2VjcmV0LWtleS1zZW50aW5lbC0wMTIzNDU2Nzg5YWI=")
	_, body := postAs(t, first, testAdminToken, `mutation { createApiToken(name: "dpo", role: ADMIN) { secret } }`)
	var created struct {
		Data struct {
			CreateAPIToken struct{ Secret string } `json:"createApiToken"`
		}
	}
	if err := json.Unmarshal([]byte(body), &created); err != nil || created.Data.CreateAPIToken.Secret == "" {
		t.Fatalf("createApiToken: %s", body)
	}
	_ = first.cmd.Process.Kill()
	<-first.exited
	off := startBinaryOn(t, bin, db, "VERMERK_ADMIN_TOKEN=off", "VERMERK_SECRET_KEY=c2VjcmV0LWtleS1zZW50aW5lbC0wMTIzNDU2Nzg5YWI=")
	if status, _ := postAs(t, off, testAdminToken, `{ me { role } }`); status != http.StatusUnauthorized {
		t.Errorf("the bootstrap token still works with VERMERK_ADMIN_TOKEN=off: status %d", status)
	}
	if status, body := postAs(t, off, created.Data.CreateAPIToken.Secret, `{ me { role } }`); status != 200 || !strings.Contains(body, "ADMIN") {
		t.Errorf("the ADMIN API token: %d %s", status, body)
	}
}
