package migrations_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// Before 00056 a grant dated ahead of its recording (a caller's clock a little fast) outlasted
// a revocation recorded after it, and a grant dated at the instant of a revocation undid it.
// Upgrading derives those consents again under the new rule (consent.GrantUndoes): both are
// REVOKED, each with a CONSENT_REVOKED event on the channel of her revocation; a grant given
// after her "no" stays, and a grant dated ahead with no revocation stays granted, counting from
// when it was recorded. A second run changes nothing; the Down gives back the old function.
func TestMigration00056DerivesTiesAndGrantsDatedAheadAgain(t *testing.T) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	mk := func(email string) string {
		var out struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		s.MustAdmin(t, &out, `mutation($e: String!) { createContact(input: {givenName: "Test", familyName: "Person", emails: [$e]}) { contact { id } } }`,
			map[string]any{"e": email})
		return out.CreateContact.Contact.ID
	}
	ahead, tie, later, aheadOnly := mk("ahead@example.org"), mk("tie@example.org"), mk("later@example.org"), mk("ahead-only@example.org")
	ctx := context.Background()
	conn := s.Conn(t)
	if err := runDown(ctx, conn, "00056_consent_moment.sql"); err != nil {
		t.Fatalf("00056 down: %v", err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	no := now.Add(-2 * time.Hour)
	type event struct {
		id, status, source string
		at                 time.Time
		givenAt            *time.Time
	}
	ptr := func(t time.Time) *time.Time { return &t }
	for _, e := range []event{
		{ahead, "GRANTED", "web form", now.Add(-time.Hour), ptr(now.Add(-time.Hour + 50*time.Second))},
		{ahead, "REVOKED", "phone", now.Add(-time.Hour + 10*time.Second), nil},
		{tie, "REVOKED", "letter", no, nil},
		{tie, "GRANTED", "fair", now.Add(-30 * time.Minute), ptr(no)},
		{later, "REVOKED", "letter", no, nil},
		{later, "GRANTED", "fair", now.Add(-30 * time.Minute), ptr(no.Add(time.Second))},
		{aheadOnly, "GRANTED", "web form", now.Add(-time.Hour), ptr(now.Add(-time.Hour + 50*time.Second))},
	} {
		if _, err := conn.Exec(ctx, `INSERT INTO consent_events (contact_id, purpose_id, status, at, given_at, source, recorded_by, recorded_by_token)
			SELECT $1, id, $2, $3, $4, $5, 'Test Staff', 'token-1' FROM purposes`, e.id, e.status, e.at, e.givenAt, e.source); err != nil {
			t.Fatal(err)
		}
	}
	status := func(id string) (st string, grantedAt time.Time) {
		t.Helper()
		if err := conn.QueryRow(ctx, `SELECT status, granted_at FROM consent_state WHERE contact_id = $1`, id).Scan(&st, &grantedAt); err != nil {
			t.Fatal(err)
		}
		return st, grantedAt
	}
	for _, id := range []string{ahead, tie} {
		if st, _ := status(id); st != "GRANTED" {
			t.Fatalf("before 00056, record %s is %s: the test no longer shows the old rule", id, st)
		}
	}

	cursor := s.Cursor(t)
	if err := runUp(ctx, conn, "00056_consent_moment.sql", "30s"); err != nil {
		t.Fatalf("00056 up: %v", err)
	}
	for id, want := range map[string]string{ahead: "REVOKED", tie: "REVOKED", later: "GRANTED", aheadOnly: "GRANTED"} {
		if st, _ := status(id); st != want {
			t.Errorf("after 00056, record %s is %s, want %s", id, st, want)
		}
	}
	if _, grantedAt := status(aheadOnly); !grantedAt.Equal(now.Add(-time.Hour)) {
		t.Errorf("the grant dated ahead counts from %v, want when it was recorded (%v)", grantedAt, now.Add(-time.Hour))
	}
	revoked := func() []string {
		t.Helper()
		rows, err := conn.Query(ctx, `SELECT contact_id::text || ' ' || channel FROM events
			WHERE kind = 'CONSENT_REVOKED' AND id > $1::text::bigint ORDER BY 1`, cursor)
		if err != nil {
			t.Fatal(err)
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	want := []string{ahead + " phone", tie + " letter"}
	slices.Sort(want)
	if got := revoked(); !slices.Equal(got, want) {
		t.Errorf("CONSENT_REVOKED events: %v, want %v", got, want)
	}
	if err := runUp(ctx, conn, "00056_consent_moment.sql", "30s"); err != nil {
		t.Fatalf("00056 up, again: %v", err)
	}
	if got := revoked(); !slices.Equal(got, want) {
		t.Errorf("after a second run, CONSENT_REVOKED events: %v, want still %v", got, want)
	}
}

func runDown(ctx context.Context, conn *pgx.Conn, file string) error {
	text, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	_, down, _ := strings.Cut(string(text), "-- +goose Down")
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, down)
		return err
	})
}
