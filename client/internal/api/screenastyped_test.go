package api_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/vermerk/vermerk/client/internal/api"
)

// TestScreenSendsWhatWasTyped: the client's screen is the server's screen(asTyped: true): a
// half-typed phone and a country not finished are no error but skipped, each at its path,
// and a whole e-mail beside them is screened.
func TestScreenSendsWhatWasTyped(t *testing.T) {
	url, token := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := api.New(url, token)
	if err != nil {
		t.Fatal(err)
	}
	family, country := "Beispielfrau", "Österr"
	s, err := c.Screen(ctx, api.ContactInput{FamilyName: &family, Emails: []string{"erika.beispielfrau@example.org"},
		Phones:  []string{"030 5", "01 5550123"},
		Address: &api.PostalAddressInput{Street: "Probegasse 1", PostalCode: "1010", City: "Wien", Country: &country}})
	if err != nil {
		t.Fatalf("screen: %v", err)
	}
	want := []api.SkippedValue{{Field: "candidate.address.country", Reason: "COUNTRY_UNKNOWN"},
		{Field: "candidate.phones[0]", Reason: "COUNTRY_UNKNOWN"}, {Field: "candidate.phones[1]", Reason: "COUNTRY_UNKNOWN"}}
	if s.Blocked || !slices.Equal(s.Skipped, want) {
		t.Errorf("screening = %+v, want not blocked, skipped %+v", s, want)
	}
	s, err = c.Screen(ctx, api.ContactInput{Phones: []string{"030\u00a05"}})
	if err != nil || !slices.Equal(s.Skipped, []api.SkippedValue{{Field: "candidate.phones[0]", Reason: "PHONE_INVALID"}}) {
		t.Errorf("half-typed phone: %+v, %v", s, err)
	}
}
