package screening

import (
	"bytes"
	"slices"
	"testing"
)

func TestIdentify(t *testing.T) {
	oldKey, cur := testKey(t, 1), testKey(t, 2)
	r, _ := NewKeyring(cur, oldKey)
	ids, errs := r.Identify(Candidate{
		GivenName: "Erika", FamilyName: "Müstermann", Organization: "Example GmbH",
		Emails: []string{"Erika.Mustermann+crm@example.org", "anna@", "erika.mustermann@example.org"},
		Phones: []string{"030/555 01-23", "12ab"},
		Street: "Lindenstraße 12a", PostalCode: "10115", City: "Berlin",
	})
	var msgs []string
	for _, err := range errs {
		msgs = append(msgs, err.Error())
	}
	wantErrs := []string{
		`emails[1]: e-mail has no domain`,
		`phones[1]: phone is not a valid phone number`,
	}
	if !slices.Equal(msgs, wantErrs) {
		t.Errorf("errors = %q, want %q", msgs, wantErrs)
	}
	type idf struct {
		Kind              Kind
		Field, Normalized string
	}
	var got []idf
	for _, id := range ids {
		got = append(got, idf{id.Kind, id.Field, id.Normalized})
		if len(id.Hashes) != 2 || id.Hashes[0].KeyID != cur.ID || id.Hashes[1].KeyID != oldKey.ID {
			t.Errorf("%s: hashes %+v", id.Field, id.Hashes)
		}
	}
	want := []idf{
		{KindEmail, "emails[0]", "erika.mustermann@example.org"}, // emails[2] is the same address
		{KindPhone, "phones[0]", "+49305550123"},
		{KindNameAddress, "address", "muestermann|erika|10115|lindenstr12a"},
		{KindNameAddress, "address", "mustermann|erika|10115|lindenstr12a"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("identifiers =\n%+v\nwant\n%+v", got, want)
	}

	kinds, hashes := ids.Lookups()
	if len(kinds) != 8 || len(hashes) != 8 {
		t.Fatalf("Lookups: %d kinds, %d hashes; want 8 each", len(kinds), len(hashes))
	}
	if kinds[0] != "EMAIL" || kinds[2] != "PHONE" || kinds[7] != "NAME_AND_ADDRESS" {
		t.Errorf("Lookups kinds = %v", kinds)
	}
	cur0 := ids.Current()
	if len(cur0) != 4 || cur0[0].KeyID != cur.ID || !bytes.Equal(cur0[0].Hash, hashes[0]) {
		t.Errorf("Current = %+v", cur0)
	}
}

// A blacklist entry made from an erased contact matches the same person
// entered again in another spelling, even after a key rotation.
func TestIdentifyMatchesErasedPerson(t *testing.T) {
	oldKey, newKey := testKey(t, 1), testKey(t, 2)
	before, _ := NewKeyring(oldKey)
	erased, errs := before.Identify(Candidate{
		GivenName: "Jürgen", FamilyName: "Weiß",
		Emails: []string{"juergen.weiss@example.com"}, Phones: []string{"+49 30 5550199"},
		Street: "Große Straße 7", PostalCode: "10115", Country: "Deutschland",
	})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	blacklist := map[string]Kind{}
	for _, h := range erased.Current() {
		blacklist[string(h.Hash)] = h.Kind
	}

	after, _ := NewKeyring(newKey, oldKey)
	tests := []struct {
		c    Candidate
		want []Kind
	}{
		{Candidate{Emails: []string{"Juergen.Weiss+shop@Example.com"}}, []Kind{KindEmail}},
		{Candidate{Phones: []string{"030 555 01 99"}}, []Kind{KindPhone}},
		{Candidate{Phones: []string{"0049 30 5550199"}, Country: "AT"}, []Kind{KindPhone}},
		{Candidate{GivenName: "Jurgen", FamilyName: "WEISS", Street: "Grosse Str. 7", PostalCode: "10115"}, []Kind{KindNameAddress}},
		{Candidate{GivenName: "Erika", FamilyName: "Weiß", Street: "Große Straße 7", PostalCode: "10115"}, nil},
		{Candidate{Emails: []string{"erika@example.com"}, Phones: []string{"030 5550100"}}, nil},
	}
	for _, tt := range tests {
		ids, errs := after.Identify(tt.c)
		if len(errs) > 0 {
			t.Errorf("%+v: %v", tt.c, errs)
		}
		kinds, hashes := ids.Lookups()
		var matched []Kind
		for i, h := range hashes {
			if k, ok := blacklist[string(h)]; ok && string(k) == kinds[i] && !slices.Contains(matched, k) {
				matched = append(matched, k)
			}
		}
		if !slices.Equal(matched, tt.want) {
			t.Errorf("%+v matched %v, want %v", tt.c, matched, tt.want)
		}
	}
}

func TestIdentifyAddressErrors(t *testing.T) {
	r, _ := NewKeyring(testKey(t, 1))
	ids, errs := r.Identify(Candidate{
		FamilyName: "Mustermann", Street: "Lindenstraße 12", PostalCode: "1011", Country: "Atlantis",
		Phones: []string{"030 5550123"},
	})
	var msgs []string
	for _, err := range errs {
		msgs = append(msgs, err.Error())
	}
	want := []string{
		`address.country: country is not one we know; use its name (Austria, Österreich) or a two-letter ISO code such as AT`,
		`address.postalCode: postal code must have 5 digits in Germany`,
	}
	if !slices.Equal(msgs, want) {
		t.Errorf("errors = %q, want %q", msgs, want)
	}
	if ids.Has(KindNameAddress) || !ids.Has(KindPhone) {
		t.Errorf("identifiers %+v", ids)
	}
	if ve := errs[1].(*ValueError); ve.Field != "address.postalCode" || ve.Problem != "must have 5 digits in Germany" {
		t.Errorf("ValueError %+v", ve)
	}
}

func FuzzIdentify(f *testing.F) {
	f.Add("Erika", "Mustermann", "erika@example.org", "030 5550123", "Lindenstraße 12", "10115", "DE")
	f.Fuzz(func(t *testing.T, given, family, email, phone, street, postal, country string) {
		r, _ := NewKeyring(testKey(t, 1))
		ids, errs := r.Identify(Candidate{GivenName: given, FamilyName: family, Emails: []string{email}, Phones: []string{phone},
			Street: street, PostalCode: postal, Country: country})
		for _, err := range errs {
			if ve, ok := err.(*ValueError); !ok || ve.Field == "" {
				t.Fatalf("error without field: %v", err)
			}
		}
		kinds, hashes := ids.Lookups()
		if len(kinds) != len(hashes) || len(kinds) != len(ids) {
			t.Fatalf("%d identifiers, %d kinds, %d hashes", len(ids), len(kinds), len(hashes))
		}
	})
}
