package store_test

import (
	"strings"
	"testing"

	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/store"
)

// A save during an import into a young database asks who else shares the record's e-mails and
// phones (SamePerson) while the tables' statistics are still those of the empty tables: the
// question must probe the identifier indexes, not read every e-mail stored. As a join it was
// planned as a hash join over a sequential scan of contact_emails, whose time grew with the
// import (30–250 ms per save at 200,000 rows).
func TestTheRecordsOfAPersonAreFoundByIndexWithTheStatisticsOfEmptyTables(t *testing.T) {
	ctx := t.Context()
	conn := pgtest.Connect(t, pgtest.NewDB(t))
	if _, err := conn.Exec(ctx, `ALTER TABLE contact_emails SET (autovacuum_enabled = off);
		ALTER TABLE contact_phones SET (autovacuum_enabled = off);
		ALTER TABLE contacts SET (autovacuum_enabled = off);
		ANALYZE contacts, contact_emails, contact_phones, contact_restrictions`); err != nil {
		t.Fatal(err)
	}
	// Erika's two records share an e-mail; 50,000 other people each have an e-mail and a phone.
	var erika, second string
	if err := conn.QueryRow(ctx, `WITH c AS (INSERT INTO contacts (given_name, family_name, sort_key, search_text)
			VALUES ('Erika', 'Mustermann', 'mustermann erika', 'erika mustermann'), ('Erika', 'Mustermann', 'mustermann erika', 'erika mustermann')
			RETURNING id), e AS (INSERT INTO contact_emails (contact_id, position, address, normalized, hash, key_id)
			SELECT id, 0, 'erika.mustermann@example.test', 'erika.mustermann@example.test', sha256(id::text::bytea), 'k1' FROM c)
		SELECT min(id::text), max(id::text) FROM c`).Scan(&erika, &second); err != nil {
		t.Fatal(err)
	}
	pgtest.OtherPeople(t, conn, 50000)
	records, _, err := store.SamePerson(ctx, conn, erika, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 2 || records[1] != second {
		t.Fatalf("Erika's records: %v, want [%s %s]", records, erika, second)
	}
	plan := pgtest.Plan(t, conn, `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) `+store.Neighbours, []string{erika}, store.MaxPersonRecords+2)
	if strings.Contains(plan, "Seq Scan on contact_emails") || strings.Contains(plan, "Seq Scan on contact_phones") {
		t.Errorf("the records sharing her identifiers are found by reading a whole table:\n%s", plan)
	}
}
