package main

import (
	"testing"

	"github.com/vermerk/vermerk/server/internal/pgtest"
)

// The import's floor stores again exactly what was stored: every row of the three tables, in
// batches that cover them all, and the contact_blocks the tables' trigger derives from them.
func TestImportFloorStoresTheSameRows(t *testing.T) {
	ctx := t.Context()
	dbURL := pgtest.NewDB(t)
	conn := pgtest.Connect(t, dbURL)
	// 23 contacts with vermerk_uuidv7 ids, an e-mail each, a phone every second one; the
	// e-mail of every fifth has no hash yet, so the trigger blocks that contact
	if _, err := conn.Exec(ctx, `
		INSERT INTO contacts (given_name, family_name, organization, sort_key, search_text)
			SELECT 'Erika ' || i, 'Floor', CASE WHEN i % 3 = 0 THEN 'Beispiel GmbH' END, 'floor erika ' || i, 'erika ' || i || ' floor'
			FROM generate_series(1, 23) i;
		INSERT INTO contact_emails (contact_id, position, address, normalized, hash, key_id)
			SELECT id, 0, 'Erika.' || n || '@Example.org', 'erika.' || n || '@example.org',
				CASE WHEN n % 5 <> 0 THEN sha256(id::text::bytea) END, CASE WHEN n % 5 <> 0 THEN 'k1' END
			FROM (SELECT id, row_number() OVER (ORDER BY id) n FROM contacts) c;
		INSERT INTO contact_phones (contact_id, position, number, hash, key_id)
			SELECT id, 0, '+4930' || (1000000 + n), sha256(('p' || id)::bytea), 'k1'
			FROM (SELECT id, row_number() OVER (ORDER BY id) n FROM contacts) c WHERE n % 2 = 0`); err != nil {
		t.Fatal(err)
	}
	digest := func() string {
		var d string
		if err := conn.QueryRow(ctx, `SELECT md5(concat_ws('|',
			(SELECT string_agg(c::text, ',' ORDER BY id) FROM (SELECT id, given_name, family_name, organization, street, postal_code, city, country, sort_key, search_text FROM contacts) c),
			(SELECT string_agg(e::text, ',' ORDER BY contact_id, position) FROM (SELECT contact_id, position, address, normalized, hash, key_id FROM contact_emails) e),
			(SELECT string_agg(p::text, ',' ORDER BY contact_id, position) FROM (SELECT contact_id, position, number, hash, key_id FROM contact_phones) p),
			(SELECT string_agg(contact_id::text, ',' ORDER BY contact_id) FROM contact_blocks)))`).Scan(&d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	var blocked int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM contact_blocks`).Scan(&blocked); err != nil || blocked != 4 {
		t.Fatalf("contact_blocks before: %d rows (%v), want 4", blocked, err)
	}
	before := digest()

	batches, rows, err := readStored(ctx, conn, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(batches) != 5 || rows[0] != 23 || rows[1] != 23 || rows[2] != 11 {
		t.Fatalf("read %d batches and %v rows, want 5 batches and [23 23 11]", len(batches), rows)
	}
	if _, err := conn.Exec(ctx, `TRUNCATE contacts CASCADE`); err != nil {
		t.Fatal(err)
	}
	if _, err := writeAll(ctx, dbURL, batches, 2); err != nil {
		t.Fatal(err)
	}
	if after := digest(); after != before {
		t.Error("the rows stored again differ from the rows read")
	}
}
