package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/config"
	"github.com/vermerk/vermerk/server/internal/pgtest"
)

// TestRetentionAndRecordCommands: the dry run counts and keeps, --apply deletes, and the
// record names the purpose.
func TestRetentionAndRecordCommands(t *testing.T) {
	var key [32]byte
	_, _ = rand.Read(key[:])
	db := pgtest.NewDB(t)
	cfg := config.Config{DatabaseURL: db, DataDir: t.TempDir(), AdminToken: "cli-test-admin-token-0123456789",
		SecretKey: base64.StdEncoding.EncodeToString(key[:]), ScreenRate: 50}
	log := slog.New(slog.DiscardHandler)
	conn, err := pgx.Connect(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(t.Context(), `
		INSERT INTO purposes (key, name, legal_basis, retention_months) VALUES ('events', 'Event invitations', 'CONSENT', 0);
		INSERT INTO contacts (given_name, family_name, sort_key, search_text) VALUES ('Erika', 'Mustermann', 'mustermann', 'erika mustermann')`)
	if err != nil {
		t.Fatal(err)
	}
	count := func() (n int) {
		if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM contacts`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var out bytes.Buffer
	if err := retentionCommand(t.Context(), cfg, log, nil, &out, io.Discard); err != nil || !strings.Contains(out.String(), "dry run: 1 of 1 contacts are due") || count() != 1 {
		t.Fatalf("dry run: %q, %v, %d contacts left", out.String(), err, count())
	}
	out.Reset()
	if err := retentionCommand(t.Context(), cfg, log, []string{"--apply"}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "deleted 1 of 1 contacts") || count() != 0 {
		t.Fatalf("--apply: %q, %v, %d contacts left", out.String(), err, count())
	}
	out.Reset()
	if err := recordCommand(t.Context(), cfg, log, nil, &out); err != nil || !strings.Contains(out.String(), "### Event invitations (`events`)") {
		t.Fatalf("record: %v\n%s", err, out.String())
	}
}
