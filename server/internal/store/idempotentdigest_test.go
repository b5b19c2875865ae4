package store_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"testing"

	"github.com/vermerk/vermerk/graph/idempotency"
	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/config"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// The digest that tells a request sent again under its key from another one is kept under a
// sub-key of the server's secret key, which is kept apart from the database, not beside a
// salt in it: a copy of the database alone cannot test a guess of what a request carried (her
// name and e-mail) against it, also once the answer is not kept for her sake.
func TestARequestsDigestIsKeptUnderTheServersSecretKey(t *testing.T) {
	s := apptest.Start(t)
	vars := erika("erika.digest@example.test")
	post(t, s, apptest.AdminToken, "digest-key-1", createWithKey, vars).contactID(t)

	var (
		keyID        *string
		salt, digest []byte
	)
	if err := s.Conn(t).QueryRow(context.Background(), `SELECT key_id, salt, digest FROM idempotent_requests WHERE key = 'digest-key-1'`).
		Scan(&keyID, &salt, &digest); err != nil {
		t.Fatal(err)
	}
	key, err := screening.ParseKey(s.Config.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	request, err := idempotency.Digest("", createWithKey, vars)
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, screening.DeriveKey(key, store.DigestPurpose))
	m.Write(request[:])
	if salt != nil || keyID == nil || *keyID != key.ID || !bytes.Equal(digest, m.Sum(nil)) {
		t.Fatalf("stored: key %v, salt %x, digest %x; want no salt, key %s and HMAC-SHA-256 under its sub-key %q", keyID, salt, digest, key.ID, store.DigestPurpose)
	}
}

// A key claimed before a rotation of the secret key still tells its request from another one
// after it, while the old key is kept (VERMERK_OLD_SECRET_KEYS); once the old key is dropped,
// a request sent again hears that it was carried out, and nothing of the first answer.
func TestAKeyClaimedBeforeARotationTellsItsRequestAfterIt(t *testing.T) {
	s := apptest.Start(t)
	const createPurpose = `mutation($input: PurposeInput!) { createPurpose(input: $input) { key name } }`
	purpose := func(name string) map[string]any {
		return map[string]any{"input": map[string]any{"key": "digest-rotation", "name": name, "legalBasis": "CONSENT"}}
	}
	first := post(t, s, apptest.AdminToken, "rotation-key-1", createPurpose, purpose("Rundbrief"))
	if r := first.result(t); len(r.Errors) > 0 {
		t.Fatalf("createPurpose: %s", first.body)
	}

	old, fresh := s.Config.SecretKey, apptest.NewSecretKey()
	rotated := apptest.StartOn(t, s.DBURL, func(c *config.Config) { c.SecretKey, c.OldSecretKeys = fresh, []string{old} })
	again := post(t, rotated, apptest.AdminToken, "rotation-key-1", createPurpose, purpose("Rundbrief"))
	if !again.replayed || !bytes.Equal(again.body, first.body) {
		t.Fatalf("sent again after the rotation, the old key kept: replayed %v, %s; want the first answer %s", again.replayed, again.body, first.body)
	}
	changed := post(t, rotated, apptest.AdminToken, "rotation-key-1", createPurpose, purpose("Newsletter"))
	if reason, _ := reasonOf(t, changed); reason != "IDEMPOTENCY_KEY_REUSED" {
		t.Fatalf("sent again changed after the rotation: %s, want IDEMPOTENCY_KEY_REUSED", changed.body)
	}

	dropped := apptest.StartOn(t, s.DBURL, func(c *config.Config) { c.SecretKey = fresh })
	gone := post(t, dropped, apptest.AdminToken, "rotation-key-1", createPurpose, purpose("Rundbrief"))
	if reason, _ := reasonOf(t, gone); reason != "ALREADY_CARRIED_OUT" || gone.replayed || bytes.Contains(gone.body, []byte("Rundbrief")) {
		t.Fatalf("sent again with the old key dropped: replayed %v, %s; want ALREADY_CARRIED_OUT and nothing of the first answer", gone.replayed, gone.body)
	}
}
