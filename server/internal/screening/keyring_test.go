package screening

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"
)

// testKey returns a fixed, obviously fake key.
func testKey(t testing.TB, fill byte) Key {
	t.Helper()
	k, err := NewKey(bytes.Repeat([]byte{fill}, SecretSize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestKeyID(t *testing.T) {
	k := testKey(t, 1)
	sum := sha256.Sum256(k.Secret)
	if k.ID != KeyID(k.Secret) || len(k.ID) != 8 || !strings.HasPrefix(hex.EncodeToString(sum[:]), k.ID) {
		t.Errorf("key id %q", k.ID)
	}
}

func TestHash(t *testing.T) {
	k := testKey(t, 1)
	r, err := NewKeyring(k)
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Hash(k.ID, KindEmail, "erika@example.org")
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, k.Secret)
	mac.Write([]byte("EMAIL:erika@example.org"))
	if want := mac.Sum(nil); !bytes.Equal(got, want) {
		t.Errorf("Hash = %x, want %x", got, want)
	}
	// The kind is part of the hash: an e-mail never matches a phone entry.
	phone, _ := r.Hash(k.ID, KindPhone, "erika@example.org")
	if bytes.Equal(got, phone) {
		t.Error("EMAIL and PHONE hashes of one value are equal")
	}
	if _, err := r.Hash("00000000", KindEmail, "erika@example.org"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Hash with unknown key id: %v", err)
	}
	if _, err := r.Hash(k.ID, "NAME", "x"); err == nil {
		t.Error("Hash with invalid kind: no error")
	}
}

func TestHashConcurrent(t *testing.T) {
	k := testKey(t, 1)
	r, _ := NewKeyring(k)
	want, _ := r.Hash(k.ID, KindPhone, "+49305550123")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				if got, _ := r.Hash(k.ID, KindPhone, "+49305550123"); !bytes.Equal(got, want) {
					t.Error("hash differs under concurrency")
					return
				}
			}
		})
	}
	wg.Wait()
}

// An entry hashed before a key rotation is still found with HashAll.
func TestKeyRotation(t *testing.T) {
	oldKey, newKey := testKey(t, 1), testKey(t, 2)
	before, _ := NewKeyring(oldKey)
	entry := before.HashAll(KindEmail, "erika@example.org")[0]
	if entry.KeyID != oldKey.ID {
		t.Fatalf("entry made with key %s, want %s", entry.KeyID, oldKey.ID)
	}

	after, err := NewKeyring(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	if after.Current().ID != newKey.ID {
		t.Errorf("current key %s, want %s", after.Current().ID, newKey.ID)
	}
	all := after.HashAll(KindEmail, "erika@example.org")
	if len(all) != 2 || all[0].KeyID != newKey.ID || all[1].KeyID != oldKey.ID {
		t.Fatalf("HashAll key order: %+v", all)
	}
	if !bytes.Equal(all[1].Hash, entry.Hash) {
		t.Error("entry made with the old key is not matched after rotation")
	}
	if bytes.Equal(all[0].Hash, entry.Hash) {
		t.Error("new key gives the same hash as the old one")
	}
	// Identifiers are written with the new key's hash, and its id.
	if id, h, err := after.CurrentHash(KindEmail, "erika@example.org"); err != nil || id != newKey.ID || !bytes.Equal(h, all[0].Hash) {
		t.Errorf("CurrentHash = %s %x, %v; want %s %x", id, h, err, newKey.ID, all[0].Hash)
	}
	if _, _, err := after.CurrentHash("NAME", "x"); err == nil {
		t.Error("CurrentHash with invalid kind: no error")
	}
	// The id on the entry names the key to re-hash with.
	if h, err := after.Hash(entry.KeyID, KindEmail, "erika@example.org"); err != nil || !bytes.Equal(h, entry.Hash) {
		t.Errorf("Hash(%s) = %x, %v", entry.KeyID, h, err)
	}
}

func TestNewKeyring(t *testing.T) {
	k1, k2 := testKey(t, 1), testKey(t, 2)
	r, err := NewKeyring(k1, k2, k1, Key{Secret: k2.Secret})
	if err != nil {
		t.Fatal(err)
	}
	if ids := r.KeyIDs(); len(ids) != 2 || ids[0] != k1.ID || ids[1] != k2.ID {
		t.Errorf("KeyIDs = %v", ids)
	}
	if _, err := NewKeyring(Key{Secret: make([]byte, 16)}); err == nil || !strings.Contains(err.Error(), "secret key has 16 bytes; it must be 32 random bytes") {
		t.Errorf("16-byte secret: %v", err)
	}
	if _, err := NewKeyring(Key{ID: "deadbeef", Secret: k1.Secret}); err == nil {
		t.Error("wrong key id accepted")
	}
	// Changing the caller's slice must not change the keyring.
	secret := bytes.Repeat([]byte{3}, SecretSize)
	r, _ = NewKeyring(Key{Secret: secret})
	before, _ := r.Hash(r.Current().ID, KindEmail, "x@example.org")
	secret[0] = 9
	r.Current().Secret[1] = 9
	after, _ := r.Hash(r.Current().ID, KindEmail, "x@example.org")
	if !bytes.Equal(before, after) {
		t.Error("keyring shares its secret with the caller")
	}
}

func TestParseKey(t *testing.T) {
	secret := bytes.Repeat([]byte{7}, SecretSize)
	k, err := ParseKey(" " + base64.StdEncoding.EncodeToString(secret) + "\n")
	if err != nil || !bytes.Equal(k.Secret, secret) || k.ID != KeyID(secret) {
		t.Errorf("ParseKey = %+v, %v", k, err)
	}
	tests := []struct{ in, msg string }{
		{"", "secret key is empty; it must be 32 random bytes in standard base64 (generate one with: openssl rand -base64 32)"},
		{"not base64!", "secret key is not valid standard base64; it must be 32 random bytes in standard base64 (generate one with: openssl rand -base64 32)"},
		{base64.StdEncoding.EncodeToString([]byte("sixteen byte key")), "secret key has 16 bytes; it must be 32 random bytes (generate one with: openssl rand -base64 32)"},
		{base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 32)), "secret key is not valid standard base64; it must be 32 random bytes in standard base64 (generate one with: openssl rand -base64 32)"},
	}
	for _, tt := range tests {
		if _, err := ParseKey(tt.in); err == nil || err.Error() != tt.msg {
			t.Errorf("ParseKey(%q) = %v; want %s", tt.in, err, tt.msg)
		}
	}
}

func TestDeriveKey(t *testing.T) {
	k := testKey(t, 1)
	a, b := DeriveKey(k, "unsubscribe-token/v1"), DeriveKey(k, "webhook/v1")
	if len(a) != 32 || bytes.Equal(a, b) || bytes.Equal(a, k.Secret) {
		t.Errorf("DeriveKey: %x %x", a, b)
	}
	if !bytes.Equal(a, DeriveKey(k, "unsubscribe-token/v1")) {
		t.Error("DeriveKey is not deterministic")
	}
	if bytes.Equal(a, DeriveKey(testKey(t, 2), "unsubscribe-token/v1")) {
		t.Error("DeriveKey ignores the secret")
	}
}

func BenchmarkHashAll(b *testing.B) {
	r, _ := NewKeyring(testKey(b, 1), testKey(b, 2))
	b.ReportAllocs()
	for b.Loop() {
		r.HashAll(KindEmail, "erika.mustermann@example.org")
	}
}

func TestIsKeyIDTakesWhatKeyIDGives(t *testing.T) {
	secret := make([]byte, SecretSize)
	for i := range 100 {
		secret[0], secret[1] = byte(i), byte(i*7)
		if id := KeyID(secret); !IsKeyID(id) {
			t.Fatalf("IsKeyID(%q) = false for a KeyID", id)
		}
	}
	for _, bad := range []string{"", "e2ea09c", "e2ea09c5a", "E2EA09C5", "e2ea09cg", "q0Jx2m9V"} {
		if IsKeyID(bad) {
			t.Errorf("IsKeyID(%q) = true", bad)
		}
	}
}
