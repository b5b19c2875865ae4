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
	// a contact whose address is then blacklisted: blocked, left out of every recipients page
	var c struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	s.MustAdmin(t, &c, `mutation { createContact(input: {givenName: "Erika", familyName: "Mustermann", emails: ["max.muster@example.com"]}) { contact { id } } }`, nil)
	add(t, s, map[string]any{"emails": []string{"max.muster@example.com"}}, "erased on request")
	oldKey, err := screening.ParseKey(s.Config.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	db := s.Conn(t)
	// what the refused start must leave as it was: the identifiers' key and the block
	state := func() (keys string, blocked bool) {
		t.Helper()
		if err := db.QueryRow(context.Background(), `SELECT string_agg(DISTINCT key_id, ','), EXISTS (SELECT FROM contact_blocks WHERE contact_id = $1)
			FROM contact_emails`, c.CreateContact.Contact.ID).Scan(&keys, &blocked); err != nil {
			t.Fatal(err)
		}
		return keys, blocked
	}
	if keys, blocked := state(); keys != oldKey.ID || !blocked {
		t.Fatalf("before: e-mails hashed under %q, contact blocked %v", keys, blocked)
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
	// Refusing came too late when the identifiers were hashed under the mistyped key first:
	// the blocked contact matched its entry no more, for every instance of the database.
	if keys, blocked := state(); keys != oldKey.ID || !blocked {
		t.Errorf("after the refused start: e-mails hashed under %q (want %s), contact blocked %v", keys, oldKey.ID, blocked)
	}

	cfg.OldSecretKeys = []string{s.Config.SecretKey} // the rotation the README describes
	a, err = app.Open(context.Background(), cfg, log)
	if err != nil {
		t.Fatalf("with the old key in VERMERK_OLD_SECRET_KEYS: %v", err)
	}
	a.Close(context.Background())
}
