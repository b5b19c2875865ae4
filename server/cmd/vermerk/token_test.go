package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/config"
	"github.com/vermerk/vermerk/server/internal/pgtest"
)

// TestTokenCommand: create, list and revoke a token the way an operator does, and the secret
// printed by create authenticates until it is revoked.
func TestTokenCommand(t *testing.T) {
	var key [32]byte
	_, _ = rand.Read(key[:])
	cfg := config.Config{DatabaseURL: pgtest.NewDB(t), DataDir: t.TempDir(), AdminToken: "cli-test-admin-token-0123456789",
		SecretKey: base64.StdEncoding.EncodeToString(key[:]), ScreenRate: 50}
	log := slog.New(slog.DiscardHandler)
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := tokenCommand(t.Context(), cfg, log, args, &out)
		return out.String(), err
	}

	secret, err := run("create", "--name", "newsletter tool", "--role", "staff", "--expires", "2099-01-01")
	if err != nil {
		t.Fatal(err)
	}
	secret = strings.TrimSpace(secret)
	if !strings.HasPrefix(secret, "vmk_") {
		t.Fatalf("create printed %q, want the secret", secret)
	}
	list, err := run("list")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(list), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], "newsletter tool") || !strings.Contains(lines[1], "STAFF") ||
		!strings.Contains(lines[1], "2099-01-01") || strings.Contains(list, secret[4:]) {
		t.Fatalf("list =\n%s\nwant a header and the token with its expiry, without the secret", list)
	}
	id := strings.Fields(lines[1])[0]
	out, err := run("revoke", id)
	if err != nil || !strings.Contains(out, "revoked token \"newsletter tool\"") {
		t.Fatalf("revoke: %q, %v", out, err)
	}
	list, _ = run("list")
	if today := time.Now().Format(time.DateOnly); strings.Count(list, today) < 2 {
		t.Errorf("list after revoke:\n%s\nwant created and revoked dates", list)
	}

	for _, c := range []struct {
		args     []string
		mentions string
	}{
		{[]string{"create", "--name", "shop", "--role", "INTEGRATOR"}, "--purpose: an INTEGRATOR token must be bound"},
		{[]string{"create", "--name", "shop", "--role", "INTEGRATOR", "--purpose", "nope"}, `--purpose: no purpose has the key "nope"`},
		{[]string{"create", "--name", "x", "--role", "STAFF", "--expires", "next year"}, "--expires"},
		{[]string{"revoke", "erika@example.org"}, "ID: "},
		{[]string{"revoke", "00000000-0000-4000-8000-000000000001"}, "no API token has the id"},
		{[]string{"rename"}, "unknown subcommand"},
	} {
		if _, err := run(c.args...); err == nil || !strings.Contains(err.Error(), c.mentions) {
			t.Errorf("token %v: %v; want an error mentioning %q", c.args, err, c.mentions)
		}
	}
}
