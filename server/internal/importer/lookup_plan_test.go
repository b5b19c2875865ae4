package importer_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/importer"
	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/migrations"
)

// The dedupe lookups of a batch probe the index once per key however many contacts there
// are: a plan that reads the whole table would make each batch slower than the one before.
func TestLookupProbesTheIndexAtAnySize(t *testing.T) {
	ctx := context.Background()
	db := pgtest.NewEmptyDB(t)
	if err := migrations.Apply(ctx, db); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, sql := range []string{
		`INSERT INTO contacts (id, family_name, sort_key, search_text)
			SELECT ('00000000-0000-0000-0000-' || lpad(i::text, 12, '0'))::uuid, 'Mustermann', 'mustermann', 'mustermann'
			FROM generate_series(1, 300000) i`,
		`INSERT INTO contact_emails (contact_id, position, address, normalized)
			SELECT ('00000000-0000-0000-0000-' || lpad(i::text, 12, '0'))::uuid, 0, 'erika.' || i || '@example.org', 'erika.' || i || '@example.org'
			FROM generate_series(1, 300000) i`,
		`INSERT INTO contact_phones (contact_id, position, number)
			SELECT ('00000000-0000-0000-0000-' || lpad(i::text, 12, '0'))::uuid, 0, '+4930' || (5550000 + i)
			FROM generate_series(1, 300000) i`,
		`ANALYZE contact_emails, contact_phones`,
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	keys := make([]string, 5000) // a batch
	for i := range keys {
		keys[i] = fmt.Sprintf("max.%d@example.org", i)
	}
	for _, q := range importer.LookupQueries {
		plan := pgtest.Plan(t, conn, `EXPLAIN `+q, keys)
		if strings.Contains(plan, "Seq Scan on contact_") || !strings.Contains(plan, "Index Only Scan") {
			t.Errorf("plan of\n%s\nreads the table instead of probing its index:\n%s", q, plan)
		}
	}
}
