package blacklist_test

import (
	"crypto/rand"
	"log/slog"
	"strings"
	"testing"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/blacklist"
	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
	"github.com/vermerk/vermerk/server/internal/testlog"
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
	scr, err := rotated.Screen(ctx, typed, false)
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
	scr, err = dropped.Screen(ctx, typed, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(scr.Matches) != 0 {
		t.Errorf("without the old key: %+v, want no match", scr.Matches)
	}
	scr, err = dropped.Screen(ctx, model.ContactInput{Emails: []string{"BERT@example.org"}}, false)
	if err != nil || matchedFields(scr, fresh.ID) != "EMAIL" {
		t.Errorf("the new entry with the new key: %+v, %v", scr, err)
	}
}

// An erased person's e-mail held by a live contact is carried over to the new key at the
// rotating start; their phone number, which no contact holds, is not: it matches only under
// the old key. Dropping the old key must be refused while it does, not allowed because one
// identifier of the entry was carried over (the phone would then quietly stop matching). A key
// named lost is let go with a warning: refusing would not bring its hashes back.
func TestDroppingAKeyThatStillMatchesAnIdentifierIsRefused(t *testing.T) {
	ctx := t.Context()
	db := openDB(t)
	k1, k2 := newKey(t), newKey(t)
	var holder string
	if err := db.Pool.QueryRow(ctx, `INSERT INTO contacts (given_name, family_name, sort_key, search_text)
		VALUES ('Anna', 'Beispiel', 'beispiel', 'anna beispiel') RETURNING id`).Scan(&holder); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO contact_emails (contact_id, position, address, normalized)
		VALUES ($1, 0, 'anna.beispiel@example.org', 'anna.beispiel@example.org')`, holder); err != nil {
		t.Fatal(err)
	}
	entry, err := blacklist.New(db, keyring(t, k1)).Add(ctx, model.ContactInput{
		Emails: annaInput.Emails, Phones: annaInput.Phones}, "erased on request")
	if err != nil {
		t.Fatal(err)
	}
	rotation := keyring(t, k2, k1)
	if _, err := blacklist.HashAllIdentifiers(ctx, db, rotation, nil); err != nil {
		t.Fatal(err)
	}
	var carried string
	if err := db.Pool.QueryRow(ctx, `SELECT string_agg(kind, ',' ORDER BY kind) FROM blacklist_hashes
		WHERE entry_id = $1 AND key_id = $2`, entry.ID, k2.ID).Scan(&carried); err != nil {
		t.Fatal(err)
	}
	if carried != "EMAIL" {
		t.Fatalf("carried over to the new key: %q, want the e-mail the live contact holds", carried)
	}
	quiet := slog.New(slog.DiscardHandler)
	if err := blacklist.CheckKeys(ctx, db.Pool, rotation, nil, quiet); err != nil {
		t.Fatalf("with the old key kept: %v", err)
	}
	err = blacklist.CheckKeys(ctx, db.Pool, keyring(t, k2), nil, quiet)
	if err == nil || !strings.Contains(err.Error(), k1.ID+" (1 live entries)") {
		t.Fatalf("dropping the old key, which alone matches the entry's phone: %v, want a refusal naming %s", err, k1.ID)
	}
	scr, err := blacklist.New(db, keyring(t, k2)).ScreenTx(ctx, db.Pool, screening.Candidate{Phones: []string{"+49405550199"}})
	if err != nil || scr.Blocked {
		t.Fatalf("the phone without the old key: %+v, %v; the refusal above is what keeps it blocked", scr, err)
	}

	var log testlog.Buffer
	if err := blacklist.CheckKeys(ctx, db.Pool, keyring(t, k2), []string{k1.ID}, log.Logger()); err != nil {
		t.Fatalf("with %s named lost: %v", k1.ID, err)
	}
	if !strings.Contains(log.String(), k1.ID+" (1 live entries)") || !strings.Contains(log.String(), "VERMERK_LOST_KEY_IDS") {
		t.Errorf("the start with the key named lost should warn of the entry:\n%s", log.String())
	}

	// Once a contact holds the phone too, the new key matches all the entry holds: it may go.
	if _, err := db.Pool.Exec(ctx, `INSERT INTO contact_phones (contact_id, position, number) VALUES ($1, 0, '+49405550199')`, holder); err != nil {
		t.Fatal(err)
	}
	if _, err := blacklist.HashAllIdentifiers(ctx, db, rotation, nil); err != nil {
		t.Fatal(err)
	}
	if err := blacklist.CheckKeys(ctx, db.Pool, keyring(t, k2), nil, quiet); err != nil {
		t.Errorf("with every identifier of the entry carried over: %v", err)
	}
}
