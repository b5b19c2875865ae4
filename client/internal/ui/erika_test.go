package ui

import (
	"context"
	"testing"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/testserver"
)

// ownServer starts a real server of the test's own (which the test may stop and start) and
// returns it with an ADMIN client of it.
func ownServer(t *testing.T) (*testserver.Server, *api.Client) {
	t.Helper()
	srv := testserver.Run(t)
	c, err := api.New(srv.URL, srv.Token)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// erikaOnServer is ownServer holding one contact, Erika Mustermann with the e-mail address
// email, and her record.
func erikaOnServer(t *testing.T, email string) (*testserver.Server, *api.Client, api.ContactDetail) {
	t.Helper()
	srv, c := ownServer(t)
	given, family := "Erika", "Mustermann"
	p, err := c.CreateContact(context.Background(), api.ContactInput{GivenName: &given, FamilyName: &family, Emails: []string{email}}, nil)
	if err != nil || p.Contact == nil {
		t.Fatalf("Erika's record: %+v, %v", p, err)
	}
	erika, err := c.Contact(context.Background(), p.Contact.Id)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c, erika
}
