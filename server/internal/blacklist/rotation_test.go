package blacklist_test

import (
	"crypto/rand"
	"strings"
	"testing"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/blacklist"
	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

func newKey(t testing.TB) screening.Key {
	t.Helper()
	secret := make([]byte, screening.SecretSize)
	rand.Read(secret)
	k, err := screening.NewKey(secret)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func keyring(t testing.TB, current screening.Key, old ...screening.Key) *screening.Keyring {
	t.Helper()
	r, err := screening.NewKeyring(current, old...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func openDB(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), pgtest.NewDB(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

func ptr(s string) *string { return &s }

var annaInput = model.ContactInput{
	GivenName: ptr("Anna"), FamilyName: ptr("Beispiel"),
	Emails:  []string{"anna.beispiel@example.org"},
	Phones:  []string{"+49 40 5550199"},
	Address: &model.PostalAddressInput{Street: "Mühlenweg 3", PostalCode: "20095", City: "Hamburg"},
}

func matchedFields(s *model.Screening, entryID string) string {
	var f []string
	for _, m := range s.Matches {
		if m.Entry.ID == entryID {
			f = append(f, string(m.Field))
		}
	}
	return strings.Join(f, ",")
}

// After a key rotation the old key stays in the keyring for matching: entries made with it
// (whose clear identifiers are gone) still match, new entries are made with the new key.
func TestKeyRotation(t *testing.T) {
	ctx := t.Context()
	db := openDB(t)
	k1, k2 := newKey(t), newKey(t)

	before := blacklist.New(db, keyring(t, k1))
	old, err := before.Add(ctx, annaInput, "made before the rotation")
	if err != nil {
		t.Fatal(err)
	}
	if old.KeyID != k1.ID {
		t.Fatalf("entry key id = %s, want %s", old.KeyID, k1.ID)
	}

	rotated := blacklist.New(db, keyring(t, k2, k1))
	typed := model.ContactInput{GivenName: ptr("ANNA"), FamilyName: ptr("Beispiel"),
		Emails: []string{"Anna.Beispiel+promo@EXAMPLE.org"}, Phones: []string{"040 5550199"},
		Address: &model.PostalAddressInput{Street: "Muehlenweg 3", PostalCode: "20095", City: "Hamburg"}}
	scr, err := rotated.Screen(ctx, typed)
	if err != nil {
		t.Fatal(err)
	}
	if got := matchedFields(scr, old.ID); !scr.Blocked || got != "EMAIL,PHONE,NAME_AND_ADDRESS" {
		t.Fatalf("with the new key current and the old one kept: blocked %v, matched %q; want all three", scr.Blocked, got)
	}
	scr, err = rotated.ScreenTx(ctx, db.Pool, screening.Candidate{Phones: []string{"+49405550199"}})
	if err != nil || matchedFields(scr, old.ID) != "PHONE" {
		t.Fatalf("ScreenTx after rotation = %+v, %v", scr, err)
	}

	fresh, err := rotated.Add(ctx, model.ContactInput{Emails: []string{"bert@example.org"}}, "made after the rotation")
	if err != nil {
		t.Fatal(err)
	}
	var hashKeys string
	if err := db.Pool.QueryRow(ctx, `SELECT string_agg(DISTINCT key_id, ',') FROM blacklist_hashes WHERE entry_id = $1`, fresh.ID).Scan(&hashKeys); err != nil {
		t.Fatal(err)
	}
	if fresh.KeyID != k2.ID || hashKeys != k2.ID {
		t.Errorf("new entry key id %s, hashes made with %s; want the new key %s", fresh.KeyID, hashKeys, k2.ID)
	}

	// Without the old key the old entry is unrecognisable: the old key is what matched it.
	dropped := blacklist.New(db, keyring(t, k2))
	scr, err = dropped.Screen(ctx, typed)
	if err != nil {
		t.Fatal(err)
	}
	if len(scr.Matches) != 0 {
		t.Errorf("without the old key: %+v, want no match", scr.Matches)
	}
	scr, err = dropped.Screen(ctx, model.ContactInput{Emails: []string{"BERT@example.org"}})
	if err != nil || matchedFields(scr, fresh.ID) != "EMAIL" {
		t.Errorf("the new entry with the new key: %+v, %v", scr, err)
	}
}
