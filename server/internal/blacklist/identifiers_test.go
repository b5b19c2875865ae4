package blacklist_test

import (
	"encoding/base64"
	"slices"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/blacklist"
	"github.com/vermerk/vermerk/server/internal/config"
	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/screening"
)

func withKeys(current screening.Key, old ...screening.Key) apptest.Option {
	return func(c *config.Config) {
		c.SecretKey = base64.StdEncoding.EncodeToString(current.Secret)
		c.OldSecretKeys = nil
		for _, k := range old {
			c.OldSecretKeys = append(c.OldSecretKeys, base64.StdEncoding.EncodeToString(k.Secret))
		}
	}
}

// unhashed counts the e-mail and phone rows without a hash under key keyID.
func unhashed(t *testing.T, dbURL, keyID string) int {
	t.Helper()
	var n int
	queryRow(t, dbURL, `SELECT (SELECT count(*) FROM contact_emails WHERE key_id IS DISTINCT FROM $1)
		+ (SELECT count(*) FROM contact_phones WHERE key_id IS DISTINCT FROM $1)`, []any{keyID}, &n)
	return n
}

// The keyed hashes beside the identifiers are written by createContact, filled at startup for
// rows that lack them (rows from before migration 00011), and survive a key rotation: the
// server starting with a new key rehashes every identifier, and an entry made under the old
// key (whose clear identifiers are gone) gets the new-key hash of each live contact's
// identifier it matches, so recipients still leaves that contact out, even once the old key
// is dropped.
func TestIdentifierHashesAcrossKeyRotation(t *testing.T) {
	dbURL := pgtest.NewDB(t)
	k1, k2 := newKey(t), newKey(t)
	p := personOn(t, apptest.StartOn(t, dbURL, withKeys(k1)))
	erikaID := p.subscriber(t, erika)
	maxID := p.subscriber(t, maxMuster)
	hans := p.subscriber(t, map[string]any{"givenName": "Hans", "familyName": "Beispiel", "emails": []string{"hans.beispiel@example.net"}})
	if n := unhashed(t, dbURL, k1.ID); n != 0 {
		t.Fatalf("%d identifiers written by createContact lack a hash under the current key", n)
	}
	p.MustAdmin(t, &struct{}{}, blacklistAddQ, map[string]any{"c": map[string]any{"emails": []string{"erika.mustermann@example.org"}}, "r": "objection, made under the old key"})
	if ids, _ := p.recipients(t); !slices.Equal(ids, sorted(maxID, hans)) {
		t.Fatalf("recipients = %v, want Max and Hans", ids)
	}

	// Rows as migration 00011 leaves them: no hash. recipients fails closed until they have one.
	execSQL(t, dbURL, `UPDATE contact_emails SET hash = NULL, key_id = NULL WHERE contact_id = $1`, hans)
	if ids, _ := p.recipients(t); !slices.Equal(ids, []string{maxID}) {
		t.Fatalf("recipients with Hans's e-mail unhashed = %v, want only Max", ids)
	}
	// The running server's sweep hashes what a writer left without a hash.
	if n, err := blacklist.HashUnhashed(t.Context(), p.App.DB, p.App.Keyring); err != nil || n != 1 {
		t.Fatalf("HashUnhashed = %d, %v; want Hans's one e-mail", n, err)
	}
	if ids, _ := p.recipients(t); !slices.Equal(ids, sorted(maxID, hans)) {
		t.Fatalf("recipients after the sweep = %v, want Max and Hans", ids)
	}
	execSQL(t, dbURL, `UPDATE contact_emails SET hash = NULL, key_id = NULL WHERE contact_id = $1`, hans)

	// Rotation: k2 current, k1 kept for matching.
	rotated := person{apptest.StartOn(t, dbURL, withKeys(k2, k1))}
	if n := unhashed(t, dbURL, k2.ID); n != 0 {
		t.Fatalf("after starting with the new key %d identifiers lack a hash under it", n)
	}
	if ids, _ := rotated.recipients(t); !slices.Equal(ids, sorted(maxID, hans)) {
		t.Errorf("recipients after the rotation = %v, want Max and Hans (Erika still blocked)", ids)
	}
	if b := rotated.blocked(t, erikaID, maxID, hans); !slices.Equal(b, []bool{true, false, false}) {
		t.Errorf("blocked after the rotation = %v", b)
	}
	var keys []string
	rows, err := pgtest.Connect(t, dbURL).Query(t.Context(), `SELECT key_id FROM blacklist_hashes ORDER BY key_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		_ = rows.Scan(&k)
		keys = append(keys, k)
	}
	rows.Close()
	if !slices.Equal(keys, sorted(k1.ID, k2.ID)) {
		t.Errorf("the old entry's hashes are under keys %v, want its old-key hash and the carried-over new-key one", keys)
	}

	// A new entry, made under the new key, blocks too; so does a contact written with an
	// override against the old entry.
	rotated.MustAdmin(t, &struct{}{}, blacklistContactQ, map[string]any{"id": maxID, "r": "objection, made under the new key"})
	again := rotated.member(t, map[string]any{"familyName": "Sales record", "emails": []string{"Erika.Mustermann+sales@example.org"}})
	if ids, _ := rotated.recipients(t); !slices.Equal(ids, []string{hans}) {
		t.Errorf("recipients = %v, want only Hans", ids)
	}

	// Once every live contact is rehashed the old key can go: the carried-over hashes hold.
	dropped := person{apptest.StartOn(t, dbURL, withKeys(k2))}
	if b := dropped.blocked(t, erikaID, maxID, hans, again); !slices.Equal(b, []bool{true, true, false, true}) {
		t.Errorf("blocked with the old key dropped = %v, want Erika, Max and her second record", b)
	}
}

// The import writes each e-mail's and phone's hash with COPY; an entry added afterwards
// blocks an imported contact.
func TestImportedIdentifiersAreHashed(t *testing.T) {
	p := newPerson(t)
	csv := "Vorname;Nachname;E-Mail;Telefon\nErika;Mustermann;erika.mustermann@example.org;030 5551234\nMax;Muster;max.muster@example.com;+49 30 1234567\n"
	var started struct{ StartImport struct{ ID string } }
	apptest.Upload(t, p.URL, apptest.AdminToken, `mutation($file: Upload!) { startImport(file: $file, listKey: "news") { id } }`,
		nil, "people.csv", []byte(csv)).Decode(t, &started)
	var job struct {
		ImportJob struct {
			Status   string
			Inserted int
		}
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		p.MustAdmin(t, &job, `query($id: ID!) { importJob(id: $id) { status inserted } }`, map[string]any{"id": started.StartImport.ID})
		if job.ImportJob.Status != "RUNNING" || time.Now().After(deadline) {
			break
		}
	}
	if job.ImportJob.Status != "DONE" || job.ImportJob.Inserted != 2 {
		t.Fatalf("import = %+v", job.ImportJob)
	}
	if n := unhashed(t, p.DBURL, p.App.Keyring.Current().ID); n != 0 {
		t.Fatalf("%d imported identifiers lack a hash", n)
	}
	var phoneHash, want []byte
	queryRow(t, p.DBURL, `SELECT hash FROM contact_phones WHERE number = '+49301234567'`, nil, &phoneHash)
	want, _ = p.App.Keyring.Hash(p.App.Keyring.Current().ID, screening.KindPhone, "+49301234567")
	if string(phoneHash) != string(want) {
		t.Errorf("the imported phone's hash is not the blacklist's HMAC of it")
	}
	p.MustAdmin(t, &struct{}{}, blacklistAddQ, map[string]any{"c": map[string]any{"phones": []string{"030 1234567"}}, "r": "objection by phone"})
	var out struct {
		Contacts struct {
			Edges []struct {
				Node struct {
					Emails  []string
					Blocked bool
				}
			}
		}
	}
	p.MustAdmin(t, &out, `{ contacts(first: 10) { edges { node { emails blocked } } } }`, nil)
	for _, e := range out.Contacts.Edges {
		if want := e.Node.Emails[0] == "max.muster@example.com"; e.Node.Blocked != want {
			t.Errorf("%v blocked = %v, want %v", e.Node.Emails, e.Node.Blocked, want)
		}
	}
}
