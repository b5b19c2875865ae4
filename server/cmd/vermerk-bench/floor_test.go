package main

import (
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vermerk/vermerk/server/internal/blacklist"
	"github.com/vermerk/vermerk/server/internal/contacts"
	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// The floor answers the bench's own contact and screen requests from the seeded data, as the
// server does, so the load runs' checks hold on it too.
func TestFloorAnswersTheBenchQueries(t *testing.T) {
	ctx := t.Context()
	dbURL := pgtest.NewDB(t)
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var key [screening.SecretSize]byte
	key[0] = 1
	k, err := screening.NewKey(key[:])
	if err != nil {
		t.Fatal(err)
	}
	keyring, err := screening.NewKeyring(k)
	if err != nil {
		t.Fatal(err)
	}
	b := &bench{pool: pool, keyring: keyring}
	if err := b.seedContacts(ctx, 1, 20); err != nil {
		t.Fatal(err)
	}
	if err := b.seedBlacklist(ctx, 1, 20); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srv := httptest.NewServer(floorHandler(contacts.New(db, nil), blacklist.New(db, keyring)))
	defer srv.Close()
	client, err := newRawClient(srv.URL, 2)
	if err != nil {
		t.Fatal(err)
	}

	body := idBody(`query Contact($id: ID!) { contact(id: $id) { id givenName familyName emails } }`, "id")
	got, err := gqlData[struct{ Contact *floorContact }](ctx, client, "", body(contactID(7)))
	if err != nil {
		t.Fatal(err)
	}
	if c := got.Contact; c == nil || c.ID != contactID(7) || c.GivenName != "Erika 7" || !slices.Equal(c.Emails, []string{contactEmail(7)}) {
		t.Errorf("contact 7: got %+v", got.Contact)
	}
	if _, err := gqlData[struct{ Contact *floorContact }](ctx, client, "", body(contactID(21))); err == nil {
		t.Error("a contact that is not there: no error")
	}

	for _, c := range []struct {
		email   string
		blocked bool
	}{{erasedEmail(3), true}, {"new.1@example.org", false}} {
		var out struct{ Screen floorScreen }
		if err := client.gql(ctx, "", gqlBody(screenQuery, map[string]any{"e": c.email}), &out); err != nil {
			t.Fatal(err)
		}
		if out.Screen.Blocked != c.blocked || (len(out.Screen.Matches) > 0) != c.blocked {
			t.Errorf("screen(%s): got %+v, want blocked %v", c.email, out.Screen, c.blocked)
		}
	}
}
