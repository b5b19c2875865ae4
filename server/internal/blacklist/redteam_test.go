package blacklist_test

// Red-team tests of issue 15 (hardening) for the blacklist: each one was run against the code
// before the fix and failed there.

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"strings"
	"testing"

	"github.com/vermerk/vermerk/server/internal/app"
	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/screening"
)

// Issue 15, item 5: an instance started with a wrong VERMERK_SECRET_KEY would match none of
// the live entries; it refuses to start, naming the missing key ids and the way out.
func TestRedTeamWrongSecretKeyRefusesToStart(t *testing.T) {
	s := apptest.Start(t)
	add(t, s, map[string]any{"emails": []string{"max.muster@example.com"}}, "erased on request")
	oldKey, err := screening.ParseKey(s.Config.SecretKey)
	if err != nil {
		t.Fatal(err)
	}

	var raw [32]byte
	_, _ = rand.Read(raw[:])
	cfg := s.Config
	cfg.DataDir = t.TempDir()
	cfg.SecretKey = base64.StdEncoding.EncodeToString(raw[:]) // "mistyped"
	log := slog.New(slog.DiscardHandler)
	a, err := app.Open(context.Background(), cfg, log)
	if err == nil {
		a.Close(context.Background())
		t.Fatal("started with a key that matches none of the live blacklist entries")
	}
	for _, want := range []string{oldKey.ID, "1 live entries", "VERMERK_SECRET_KEY", "VERMERK_OLD_SECRET_KEYS"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q should name %q", err, want)
		}
	}

	cfg.OldSecretKeys = []string{s.Config.SecretKey} // the rotation the README describes
	a, err = app.Open(context.Background(), cfg, log)
	if err != nil {
		t.Fatalf("with the old key in VERMERK_OLD_SECRET_KEYS: %v", err)
	}
	a.Close(context.Background())
}
