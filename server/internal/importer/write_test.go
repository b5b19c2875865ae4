package importer_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/importer"
	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/screening"
)

// A person blacklisted after their batch was screened, but before it commits, is held, not
// imported: the batch checks the blacklist again under the blacklist lock before committing.
// The test stops the batch's writer after its lookup by locking list_members (which the
// batch writes to), blacklists the person meanwhile, and lets the writer go on.
func TestBlacklistedWhileTheBatchIsWritten(t *testing.T) {
	for _, filter := range []bool{false, true} {
		t.Run(fmt.Sprintf("blacklist filter %v", filter), func(t *testing.T) {
			blacklistedWhileWritten(t, filter)
		})
	}
}

func blacklistedWhileWritten(t *testing.T, filter bool) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "messe", name: "Messe", purposeKey: "newsletter"}) { id } }`, nil)
	ctx := context.Background()
	locker := s.Conn(t)
	tx, err := locker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `LOCK TABLE list_members IN EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}

	const file = "Vorname;Nachname;E-Mail\nErika;Mustermann;erika.mustermann@example.org\nMax;Musterfrau;max.musterfrau@example.org\n"
	opts := importer.Options{SpoolDir: t.TempDir()}
	if filter {
		opts.FilterMinRows = -1
	}
	svc := importer.New(s.App.DB, s.App.Keyring, opts)
	t.Cleanup(func() { svc.Stop(context.Background()) })
	list := "messe"
	j, err := svc.Start(ctx, graphql.Upload{File: strings.NewReader(file), Filename: "messe.csv", Size: int64(len(file))}, &list)
	if err != nil {
		t.Fatal(err)
	}
	pgtest.WaitForWaiters(t, s.Conn(t), 1, pgtest.TableLock("list_members")) // the writer waits for list_members: its batch was looked up
	s.MustAdmin(t, &struct{}{}, `mutation { blacklistAdd(candidate: {familyName: "Mustermann", emails: ["erika.mustermann@example.org"]},
		reason: "asked to be erased during the import") { id } }`, nil)
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}

	got := waitJob(t, s, j.ID)
	if got.Status != "NEEDS_DECISION" || got.Inserted != 1 || got.Held != 1 {
		t.Errorf("job %s, inserted %d, held %d; want NEEDS_DECISION with Max inserted and Erika held", got.Status, got.Inserted, got.Held)
	}
	if len(got.HeldRows) != 1 || got.HeldRows[0].Line != 2 || got.HeldRows[0].Entry.Reason != "asked to be erased during the import" {
		t.Errorf("held rows %+v, want line 2 held for the new entry", got.HeldRows)
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM contact_emails WHERE normalized = 'erika.mustermann@example.org'`); n != 0 {
		t.Errorf("Erika was imported as a contact (%d e-mail rows)", n)
	}
	s.AssertBlocksExact(t)
}

// The identifiers of imported contacts are written without per-row foreign key checks where
// the role may (see writeRows); the constraints still hold: every e-mail and phone belongs to a
// contact, and erasing an imported contact deletes them with it.
func TestImportedIdentifiersBelongToTheirContacts(t *testing.T) {
	s := apptest.Start(t)
	const file = "Vorname;Nachname;E-Mail;Telefon\nErika;Mustermann;erika.mustermann@example.org;030 5550101\n" +
		"Max;Musterfrau;max.musterfrau@example.org, max@example.org;0221 5550102\n"
	svc := importer.New(s.App.DB, s.App.Keyring, importer.Options{SpoolDir: t.TempDir()})
	t.Cleanup(func() { svc.Stop(context.Background()) })
	j, err := svc.Start(context.Background(), graphql.Upload{File: strings.NewReader(file), Filename: "messe.csv", Size: int64(len(file))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := waitJob(t, s, j.ID); got.Status != "DONE" || got.Inserted != 2 {
		t.Fatalf("job %s, inserted %d; want DONE with 2 inserted", got.Status, got.Inserted)
	}
	s.AssertBlocksExact(t)
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM contact_emails e LEFT JOIN contacts c ON c.id = e.contact_id WHERE c.id IS NULL`) +
		queryInt(t, s.DBURL, `SELECT count(*) FROM contact_phones p LEFT JOIN contacts c ON c.id = p.contact_id WHERE c.id IS NULL`); n != 0 {
		t.Errorf("%d identifiers without their contact", n)
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM contact_emails`); n != 3 {
		t.Errorf("%d e-mails stored, want 3", n)
	}
	var c struct {
		Contacts struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	s.MustAdmin(t, &c, `{ contacts(search: "musterfrau", first: 5) { edges { node { id } } } }`, nil)
	if len(c.Contacts.Edges) != 1 {
		t.Fatalf("search found %d contacts, want Max", len(c.Contacts.Edges))
	}
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { eraseContact(id: $id, reason: "asked to be erased") { contactId } }`,
		map[string]any{"id": c.Contacts.Edges[0].Node.ID})
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM contact_emails`) + queryInt(t, s.DBURL, `SELECT count(*) FROM contact_phones`); n != 2 {
		t.Errorf("after erasing Max %d identifiers are left, want Erika's 2", n)
	}
	// The foreign keys are still there for everything else.
	conn := s.Conn(t)
	_, err = conn.Exec(context.Background(), `INSERT INTO contact_emails (contact_id, position, address, normalized)
		VALUES ('00000000-0000-0000-0000-000000000001', 0, 'nobody@example.org', 'nobody@example.org')`)
	if !strings.Contains(fmt.Sprint(err), "foreign key") {
		t.Errorf("an e-mail of no contact: %v; want a foreign key violation", err)
	}
}

// writeRows turns off the foreign key checks while it copies e-mails and phones
// (session_replication_role = replica), which turns off every trigger not enabled ALWAYS. The
// tables' own triggers keep contact_blocks exact (migration 00025), so each must fire in
// replica mode too; this test fails when one is added that would not.
func TestIdentifierTablesTriggersFireDuringTheImport(t *testing.T) {
	s := apptest.Start(t)
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM pg_trigger
		WHERE tgrelid IN ('contact_emails'::regclass, 'contact_phones'::regclass) AND NOT tgisinternal`); n != 6 {
		t.Errorf("contact_emails/contact_phones have %d triggers of their own, want the 6 of contact_blocks", n)
	}
	if n := queryInt(t, s.DBURL, `SELECT count(*) FROM pg_trigger
		WHERE tgrelid IN ('contact_emails'::regclass, 'contact_phones'::regclass) AND NOT tgisinternal AND tgenabled <> 'A'`); n != 0 {
		t.Errorf("%d triggers of contact_emails/contact_phones are skipped in replica mode; enable them ALWAYS", n)
	}
}

// The e-mails and phones an import writes carry their keyed hash under the current key, also
// after a key rotation (the importer hashes each identifier under every key to screen it, and
// stores the current key's hash of those).
func TestImportedIdentifiersCarryTheCurrentKeysHash(t *testing.T) {
	s := apptest.Start(t)
	current, err := screening.NewKey(bytes.Repeat([]byte{42}, screening.SecretSize))
	if err != nil {
		t.Fatal(err)
	}
	keyring, err := screening.NewKeyring(current, s.App.Keyring.Current())
	if err != nil {
		t.Fatal(err)
	}
	const file = "Vorname;Nachname;E-Mail;Telefon;Straße;PLZ;Ort\n" +
		"Erika;Mustermann;Erika.Mustermann+messe@example.org;030 1234567;Musterstraße 1;10115;Berlin\n" +
		"Max;Musterfrau;max.musterfrau@example.org, max@example.org;0221 5550102, +49 30 1234568;;;\n"
	svc := importer.New(s.App.DB, keyring, importer.Options{SpoolDir: t.TempDir()})
	t.Cleanup(func() { svc.Stop(context.Background()) })
	j, err := svc.Start(context.Background(), graphql.Upload{File: strings.NewReader(file), Filename: "messe.csv", Size: int64(len(file))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := waitJob(t, s, j.ID); got.Status != "DONE" || got.Inserted != 2 {
		t.Fatalf("job %s, inserted %d; want DONE with 2 inserted", got.Status, got.Inserted)
	}
	conn := s.Conn(t)
	rows, err := conn.Query(context.Background(), `SELECT 'EMAIL', normalized, hash, key_id FROM contact_emails
		UNION ALL SELECT 'PHONE', number, hash, key_id FROM contact_phones`)
	if err != nil {
		t.Fatal(err)
	}
	var kind, normalized, keyID string
	var hash []byte
	seen := 0
	_, err = pgx.ForEachRow(rows, []any{&kind, &normalized, &hash, &keyID}, func() error {
		seen++
		want, err := keyring.Hash(current.ID, screening.Kind(kind), normalized)
		if err != nil {
			return err
		}
		if keyID != current.ID || !bytes.Equal(hash, want) {
			t.Errorf("%s %d: key %s, hash %x; want the current key %s, hash %x", kind, seen, keyID, hash, current.ID, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != 6 {
		t.Errorf("%d identifiers stored, want 6", seen)
	}
}

// The import's COPY says its rows are screened (vermerk.identifiers_screened): the trigger then
// skips its blacklist probe, but a row without a hash still blocks its contact (fail closed);
// without the setting, a row matching an entry blocks its contact.
func TestScreenedCopyStillBlocksUnhashedRows(t *testing.T) {
	// a database without a server: a server's sweep hashes unhashed rows (and so unblocks
	// them) at its start, which would race with what this test looks at
	dbURL := pgtest.NewDB(t)
	ctx := context.Background()
	conn := pgtest.Connect(t, dbURL)
	hash := make([]byte, 32)
	hash[0] = 7
	for _, stmt := range []string{
		`INSERT INTO blacklist_entries (id, source, reason, key_id, identifier_kinds) VALUES ('00000000-0000-4000-8000-0000000000e1', 'MANUAL', 'objection', 'k', '{EMAIL}')`,
		`INSERT INTO contacts (id, given_name, family_name, sort_key, search_text) SELECT ('00000000-0000-4000-8000-00000000000' || i)::uuid, 'Erika', 'Mustermann', 'm', 'e m' FROM generate_series(1, 3) i`,
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conn.Exec(ctx, `INSERT INTO blacklist_hashes (entry_id, kind, key_id, hash) VALUES ('00000000-0000-4000-8000-0000000000e1', 'EMAIL', 'k', $1)`, hash); err != nil {
		t.Fatal(err)
	}
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL vermerk.identifiers_screened = on`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO contact_emails (contact_id, position, address, normalized) VALUES
			('00000000-0000-4000-8000-000000000001', 0, 'a@example.org', 'a@example.org')`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO contact_emails (contact_id, position, address, normalized, hash, key_id) VALUES
		('00000000-0000-4000-8000-000000000002', 0, 'b@example.org', 'b@example.org', $1, 'k')`, hash); err != nil {
		t.Fatal(err)
	}
	if got := queryInt(t, dbURL, `SELECT count(*) FROM contact_blocks WHERE contact_id IN
		('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002')`); got != 2 {
		t.Errorf("%d of the unhashed and the matching contact are blocked, want both", got)
	}
}
