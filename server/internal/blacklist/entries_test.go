package blacklist_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

const (
	blacklistAdd = `mutation($c: ContactInput!, $reason: String!) { blacklistAdd(candidate: $c, reason: $reason) {
		id source reason createdAt identifierKinds keyId removedAt } }`
	blacklistRemove = `mutation($id: ID!, $reason: String!) { blacklistRemove(id: $id, reason: $reason) {
		id source removedAt } }`
	blacklistPage = `query($first: Int, $after: String) { blacklist(first: $first, after: $after) {
		totalCount pageInfo { hasNextPage endCursor }
		edges { cursor node { id source reason createdAt identifierKinds keyId removedAt } } } }`
)

type page struct {
	Blacklist struct {
		TotalCount int
		PageInfo   struct {
			HasNextPage bool
			EndCursor   *string
		}
		Edges []struct{ Node entry }
	}
}

func add(t *testing.T, s *apptest.Server, candidate map[string]any, reason string) entry {
	t.Helper()
	var out struct{ BlacklistAdd entry }
	s.MustAdmin(t, &out, blacklistAdd, map[string]any{"c": candidate, "reason": reason})
	return out.BlacklistAdd
}

func screenOf(t *testing.T, s *apptest.Server, candidate map[string]any) screenResult {
	t.Helper()
	var out struct{ Screen screenResult }
	s.MustAdmin(t, &out, screen, map[string]any{"c": candidate})
	return out.Screen
}

// A name-and-address match warns: the write goes through, with the match in the payload.
func TestNameAndAddressMatchOnlyWarns(t *testing.T) {
	s := apptest.Start(t)
	person := map[string]any{"givenName": "Max", "familyName": "Müller",
		"address": map[string]any{"street": "Hauptstraße 5a", "postalCode": "50667", "city": "Köln"}}
	e := add(t, s, person, "asked not to be contacted by post")
	if e.Source != "MANUAL" || strings.Join(e.IdentifierKinds, ",") != "NAME_AND_ADDRESS" {
		t.Fatalf("entry = %+v, want MANUAL with NAME_AND_ADDRESS", e)
	}
	typed := map[string]any{"givenName": "max", "familyName": "Mueller", "emails": []string{"max@example.org"},
		"address": map[string]any{"street": "Hauptstr. 5 A", "postalCode": "50667", "city": "Köln"}}
	scr := screenOf(t, s, typed)
	if scr.Blocked || len(scr.Matches) != 1 || scr.Matches[0].Field != "NAME_AND_ADDRESS" || scr.Matches[0].Entry.ID != e.ID {
		t.Fatalf("screen = %+v, want one warning (not blocked) on NAME_AND_ADDRESS", scr)
	}
	var p contactPayload
	s.MustAdmin(t, &p, createContact, map[string]any{"in": typed})
	if p.CreateContact.Contact == nil || p.CreateContact.Screening.Blocked || len(p.CreateContact.Screening.Matches) != 1 {
		t.Errorf("createContact = %+v, want the contact written with the warning", p.CreateContact)
	}
}

func TestBlacklistAddListRemove(t *testing.T) {
	s := apptest.Start(t)
	const mail, phone = "anna.beispiel@example.org", "+49 89 5550100"
	e := add(t, s, map[string]any{"emails": []string{mail}, "phones": []string{phone}}, "spam complaint")
	if e.Source != "MANUAL" || e.Reason != "spam complaint" || e.KeyID != s.App.Keyring.Current().ID ||
		strings.Join(e.IdentifierKinds, ",") != "EMAIL,PHONE" || e.RemovedAt != nil {
		t.Fatalf("entry = %+v", e)
	}
	for i := range 4 {
		add(t, s, map[string]any{"emails": []string{fmt.Sprintf("filler%d@example.org", i)}}, fmt.Sprintf("filler %d", i))
	}

	// Newest first, in pages, with kinds and without the identifiers.
	var ids []string
	var after any
	for range 5 {
		var p page
		res := s.Admin(t, blacklistPage, map[string]any{"first": 2, "after": after})
		if strings.Contains(string(res.Data), "anna") || strings.Contains(string(res.Data), "5550100") {
			t.Fatalf("the listing shows personal data: %s", res.Data)
		}
		res.Decode(t, &p)
		if p.Blacklist.TotalCount != 5 {
			t.Fatalf("totalCount = %d, want 5", p.Blacklist.TotalCount)
		}
		for _, edge := range p.Blacklist.Edges {
			ids = append(ids, edge.Node.ID)
			if edge.Node.ID == e.ID && strings.Join(edge.Node.IdentifierKinds, ",") != "EMAIL,PHONE" {
				t.Errorf("listed kinds = %v", edge.Node.IdentifierKinds)
			}
		}
		if !p.Blacklist.PageInfo.HasNextPage {
			break
		}
		after = *p.Blacklist.PageInfo.EndCursor
	}
	if len(ids) != 5 || ids[4] != e.ID {
		t.Fatalf("pages listed %v, want 5 entries, the first added last", ids)
	}

	if scr := screenOf(t, s, map[string]any{"emails": []string{"Anna.Beispiel+x@example.org"}}); !scr.Blocked {
		t.Fatalf("before removal: %+v, want blocked", scr)
	}
	var removed struct{ BlacklistRemove entry }
	s.MustAdmin(t, &removed, blacklistRemove, map[string]any{"id": e.ID, "reason": "complaint withdrawn"})
	if removed.BlacklistRemove.ID != e.ID || removed.BlacklistRemove.RemovedAt == nil {
		t.Errorf("removed = %+v, want removedAt set", removed.BlacklistRemove)
	}
	for _, c := range []map[string]any{{"emails": []string{mail}}, {"phones": []string{phone}}} {
		if scr := screenOf(t, s, c); scr.Blocked || len(scr.Matches) != 0 {
			t.Errorf("after removal %v still matches: %+v", c, scr)
		}
	}
	var p page
	s.MustAdmin(t, &p, blacklistPage, map[string]any{"first": 10})
	if p.Blacklist.TotalCount != 4 {
		t.Errorf("after removal totalCount = %d, want 4", p.Blacklist.TotalCount)
	}
	var hashes int
	queryRow(t, s.DBURL, `SELECT count(*) FROM blacklist_hashes WHERE entry_id = $1`, []any{e.ID}, &hashes)
	if hashes != 0 {
		t.Errorf("the removed entry keeps %d hashes", hashes)
	}
	var auditReason string
	queryRow(t, s.DBURL, `SELECT reason FROM audit_log WHERE operation = 'blacklistRemove' AND target_id = $1`, []any{e.ID}, &auditReason)
	if auditReason != "complaint withdrawn" {
		t.Errorf("audited removal reason = %q", auditReason)
	}
	res := s.Admin(t, blacklistRemove, map[string]any{"id": e.ID, "reason": "again"})
	if len(res.Errors) != 1 || res.Errors[0].Code() != "BAD_USER_INPUT" || !strings.Contains(res.Errors[0].Message, "removed already") {
		t.Errorf("removing twice: %+v", res.Errors)
	}
	res = s.Admin(t, blacklistRemove, map[string]any{"id": "00000000-0000-4000-8000-000000000000", "reason": "x"})
	if len(res.Errors) != 1 || res.Errors[0].Code() != "NOT_FOUND" {
		t.Errorf("removing an unknown entry: %+v", res.Errors)
	}
}

func TestBadInputNamesTheField(t *testing.T) {
	s := apptest.Start(t)
	for _, tc := range []struct {
		name, query string
		vars        map[string]any
		fields      []string
	}{
		{"screen with unreadable identifiers", screen,
			map[string]any{"c": map[string]any{"emails": []string{"ok@example.org", "anna@"}, "phones": []string{"12ab"},
				"familyName": "Beispiel", "address": map[string]any{"street": "Weg 1", "postalCode": "123", "city": "Berlin"}}},
			[]string{"candidate.emails[1]", "candidate.phones[0]", "candidate.address.postalCode"}},
		{"blacklistAdd without identifiers", blacklistAdd,
			map[string]any{"c": map[string]any{"givenName": "Erika", "organization": "Musterfirma"}, "reason": "spam"},
			[]string{"candidate"}},
		{"blacklistAdd without reason", blacklistAdd,
			map[string]any{"c": map[string]any{"emails": []string{"x@example.org"}}, "reason": ""},
			[]string{"reason"}},
		{"blacklistAdd with an unreadable e-mail", blacklistAdd,
			map[string]any{"c": map[string]any{"emails": []string{"x@"}}, "reason": "spam"},
			[]string{"candidate.emails[0]"}},
		{"blacklistRemove without reason", blacklistRemove,
			map[string]any{"id": "00000000-0000-4000-8000-000000000000", "reason": " "},
			[]string{"reason"}},
		{"blacklist with a bad cursor", blacklistPage, map[string]any{"after": "garbage"}, []string{"after"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := s.Admin(t, tc.query, tc.vars)
			var got []string
			for _, e := range res.Errors {
				if e.Code() != "BAD_USER_INPUT" {
					t.Errorf("error %q has code %s", e.Message, e.Code())
				}
				got = append(got, e.Field())
			}
			slices.Sort(got)
			slices.Sort(tc.fields)
			if !slices.Equal(got, tc.fields) {
				t.Errorf("error fields = %v, want %v (%+v)", got, tc.fields, res.Errors)
			}
		})
	}
	var p page
	s.MustAdmin(t, &p, blacklistPage, nil)
	if p.Blacklist.TotalCount != 0 {
		t.Errorf("refused input wrote %d entries", p.Blacklist.TotalCount)
	}
}
