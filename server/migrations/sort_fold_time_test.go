package migrations_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/pgtest"
)

// How long migration 00034 takes on a database of VERMERK_SORT_FOLD_ROWS contacts (skipped
// without it), a third of them with an umlaut in the name and the city, a fifth without an
// address or organisation, written as the server before it wrote them; then run again.
func TestSortFoldRunTime(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("VERMERK_SORT_FOLD_ROWS"))
	if n <= 0 {
		t.Skip("set VERMERK_SORT_FOLD_ROWS to the number of contacts")
	}
	ctx := context.Background()
	conn := pgtest.Connect(t, pgtest.NewDB(t))
	if _, err := conn.Exec(ctx, `ALTER TABLE contacts ALTER COLUMN sort_key TYPE text COLLATE "default";
		ALTER TABLE import_held ALTER COLUMN sort_key TYPE text COLLATE "default"`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO contacts (given_name, family_name, organization, street, postal_code, city, country, sort_key, search_text)
		SELECT g, f, o, CASE WHEN i % 5 <> 0 THEN 'Hauptstraße ' || i END, CASE WHEN i % 5 <> 0 THEN '50667' END,
			CASE WHEN i % 5 <> 0 THEN c END, CASE WHEN i % 5 <> 0 THEN 'DE' END,
			lower(f || ' ' || g || ' ' || coalesce(o, '')), lower(concat_ws(' ', g, f, o, CASE WHEN i % 5 <> 0 THEN c END))
		FROM generate_series(1, $1::int) i,
			LATERAL (SELECT CASE WHEN i % 3 = 0 THEN 'Jürgen' ELSE 'Erika' END g,
				CASE WHEN i % 3 = 0 THEN 'Müller-Lüdenscheidt ' ELSE 'Mustermann ' END || i f,
				CASE WHEN i % 5 <> 0 THEN 'Musterfirma GmbH' END o,
				CASE WHEN i % 3 = 0 THEN 'Köln' ELSE 'Berlin' END c) x`, n); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `VACUUM ANALYZE contacts`); err != nil {
		t.Fatal(err)
	}
	for _, run := range []string{"first", "again"} {
		t0 := time.Now()
		sortFoldUp(t, conn)
		t.Logf("00034 Up (%s run) over %d contacts: %s", run, n, time.Since(t0).Round(time.Millisecond))
	}
}
