package blacklist_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/blacklist"
	"github.com/vermerk/vermerk/server/internal/screening"
)

// The batch API (one lookup for many candidates, as the import uses it) screens each
// candidate as the screen query does.
func TestMatchesScreensEachCandidateAsScreenDoes(t *testing.T) {
	s := apptest.Start(t)
	blocked := add(t, s, map[string]any{"familyName": "Mustermann", "emails": []string{"erika.mustermann@example.org"},
		"phones": []string{"+49 30 1234567"}}, "asked to be erased")
	warned := add(t, s, map[string]any{"givenName": "Max", "familyName": "Müller",
		"address": map[string]any{"street": "Hauptstraße 5a", "postalCode": "50667", "city": "Köln"}}, "no post")
	newer := add(t, s, map[string]any{"phones": []string{"030 1234567"}}, "objection")

	candidates := []screening.ContactInput{
		{FamilyName: "Mustermann", Emails: []string{"Erika.Mustermann+news@example.org"}},
		{FamilyName: "Mueller", GivenName: "Max", Address: &screening.AddressInput{Street: "Hauptstr. 5 A", PostalCode: "50667", City: "Köln"}},
		{FamilyName: "Muster", Phones: []string{"+49 (30) 123 45 67"}},
		{FamilyName: "Frei", Emails: []string{"max.frei@example.org"}},
	}
	want := []struct {
		blocked bool
		field   model.MatchField
		entry   string
	}{{true, model.MatchFieldEmail, blocked.ID}, {false, model.MatchFieldNameAndAddress, warned.ID},
		{true, model.MatchFieldPhone, newer.ID}, {}}

	var all [][]byte
	hashesOf := make([][][]byte, len(candidates))
	for i, in := range candidates {
		c, errs := screening.NormalizeContact(in)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		hashesOf[i] = s.App.Keyring.AppendHashes(nil, c)
		all = append(all, hashesOf[i]...)
	}
	var m blacklist.Matches
	qb := &pgx.Batch{}
	blacklist.QueueMatches(qb, s.App.Keyring.KeyIDs(), all, &m)
	if err := s.App.DB.Pool.SendBatch(context.Background(), qb).Close(); err != nil {
		t.Fatal(err)
	}
	for i, w := range want {
		scr := m.Screening(hashesOf[i])
		if w.entry == "" {
			if scr != nil {
				t.Errorf("candidate %d: %+v, want no match", i, scr)
			}
			continue
		}
		if scr == nil || scr.Blocked != w.blocked || scr.Matches[0].Field != w.field || scr.Matches[0].Entry.ID != w.entry {
			t.Errorf("candidate %d: %+v, want blocked %v by %s of entry %s first", i, scr, w.blocked, w.field, w.entry)
			continue
		}
		typed := map[string]any{"familyName": candidates[i].FamilyName, "givenName": candidates[i].GivenName,
			"emails": candidates[i].Emails, "phones": candidates[i].Phones}
		if a := candidates[i].Address; a != nil {
			typed["address"] = map[string]any{"street": a.Street, "postalCode": a.PostalCode, "city": a.City}
		}
		one := screenOf(t, s, typed)
		if one.Blocked != scr.Blocked || len(one.Matches) != len(scr.Matches) || one.Matches[0].Entry.ID != scr.Matches[0].Entry.ID {
			t.Errorf("candidate %d: screen says %+v, the batch %+v", i, one, scr)
		}
	}
}
