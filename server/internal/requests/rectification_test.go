package requests_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

const (
	personRecordsQ = `query($id: ID!, $keep: [ID!]) { request(id: $id) { id personRecords(keep: $keep) {
		named linkedBy sharedIdentifiers contact { id givenName familyName emails phones } } } }`
	completeChecked = `mutation($id: ID!, $outcome: String!, $keep: [ID!], $checked: [ID!]) {
		completeRequest(id: $id, outcome: $outcome, keep: $keep, checked: $checked) { ` + requestFields + ` } }`
	auditOf = `query($c: ID) { auditTrail(contactId: $c, first: 50) { edges { node { operation targetId outcome } } } }`
)

type personRecord struct {
	Named             bool
	LinkedBy          []string
	SharedIdentifiers []string
	Contact           struct {
		ID, GivenName, FamilyName string
		Emails, Phones            []string
	}
}

func personRecords(t *testing.T, s *apptest.Server, requestID string, keep []string) []personRecord {
	t.Helper()
	var out struct {
		Request struct{ PersonRecords []personRecord }
	}
	s.MustAdmin(t, &out, personRecordsQ, map[string]any{"id": requestID, "keep": keep})
	return out.Request.PersonRecords
}

func recordIDs(rs []personRecord) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Contact.ID)
	}
	return out
}

// Erika asks to correct her postal address. Marketing has her with her private e-mail, sales
// with her work e-mail; both share her mobile. Hans, her colleague, shares the sales record's
// office line: someone else. Completing the request closes it only once staff have checked
// the sales record too (or named it as someone else); the audit names the records.
func TestRectificationHoldsForEveryRecordOfThePerson(t *testing.T) {
	s := apptest.Start(t)
	marketing := newContact(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
		"emails": []string{"erika.testfrau@example.org"}, "phones": []string{"+49 170 5550101"},
		"address": map[string]any{"street": "Hauptstraße 3", "postalCode": "10115", "city": "Berlin"}})
	sales := newContact(t, s, map[string]any{"givenName": "E.", "familyName": "Testfrau",
		"emails": []string{"e.testfrau@firma.example"}, "phones": []string{"0170 5550101", "+49 30 5550200"},
		"address": map[string]any{"street": "Hauptstraße 3", "postalCode": "10115", "city": "Berlin"}})
	hans := newContact(t, s, map[string]any{"givenName": "Hans", "familyName": "Kollege",
		"phones": []string{"030 5550200"}})
	stranger := newContact(t, s, map[string]any{"givenName": "Otto", "familyName": "Fremd",
		"emails": []string{"otto.fremd@example.org"}})
	rect := file(t, s, map[string]any{"kind": "RECTIFICATION", "contactId": marketing, "channel": "letter"})

	// The request shows the person's records: the one it names first, then those linked.
	recs := personRecords(t, s, rect.ID, nil)
	if got := recordIDs(recs); len(got) != 3 || got[0] != marketing || !slices.Contains(got, sales) || !slices.Contains(got, hans) {
		t.Fatalf("person records %v, want %s (named) first, then %s and %s, not %s", got, marketing, sales, hans, stranger)
	}
	for _, r := range recs {
		if r.Named != (r.Contact.ID == marketing) || !slices.Equal(r.LinkedBy, []string{"PHONE"}) {
			t.Errorf("record %s: named %v, linked by %v; want linked by PHONE", r.Contact.ID, r.Named, r.LinkedBy)
		}
		if r.Contact.ID == sales && !slices.Equal(r.SharedIdentifiers, []string{"+491705550101", "+49305550200"}) {
			t.Errorf("sales record shares %v, want her mobile and the office line", r.SharedIdentifiers)
		}
	}
	if got := recordIDs(personRecords(t, s, rect.ID, []string{hans})); !slices.Equal(got, []string{marketing, sales}) {
		t.Errorf("person records keeping %s apart: %v, want [%s %s]", hans, got, marketing, sales)
	}

	// Staff corrected the marketing record only: the request stays open.
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { updateContact(id: $id, input: {address: {street: "Hauptstraße 5", postalCode: "10115", city: "Berlin"}}) { contact { id } } }`,
		map[string]any{"id": marketing})
	refusals := []struct {
		name        string
		query       string
		vars        map[string]any
		reason, fld string
	}{
		{"no records named (the old call)", completeReq, map[string]any{"id": rect.ID, "outcome": "Address corrected"}, "RECORDS_NOT_CHECKED", "checked"},
		{"the sales record, but not the colleague", completeChecked, map[string]any{"id": rect.ID, "outcome": "Address corrected",
			"checked": []string{sales}}, "RECORDS_NOT_CHECKED", "checked"},
		{"a stranger named as checked", completeChecked, map[string]any{"id": rect.ID, "outcome": "Address corrected",
			"checked": []string{sales, stranger}, "keep": []string{hans}}, "NOT_A_RECORD_OF_THE_PERSON", "checked[1]"},
	}
	for _, c := range refusals {
		res := s.Admin(t, c.query, c.vars)
		if len(res.Errors) != 1 || res.Errors[0].Code() != "BAD_USER_INPUT" {
			t.Fatalf("%s: want one BAD_USER_INPUT error, got %+v (data %s)", c.name, res.Errors, res.Data)
		}
		e := res.Errors[0]
		if r, _ := e.Extensions["reason"].(string); r != c.reason || e.Field() != c.fld {
			t.Errorf("%s: %s on %q, want %s on %q", c.name, r, e.Field(), c.reason, c.fld)
		}
		for _, pii := range []string{"Erika", "Testfrau", "example", "5550101", "Hauptstr"} {
			if strings.Contains(e.Message, pii) {
				t.Errorf("%s: the error quotes the person (%q): %s", c.name, pii, e.Message)
			}
		}
	}
	if open := list(t, s, map[string]any{"status": "OPEN"}); !slices.Contains(ids(open), rect.ID) {
		t.Fatalf("the request was closed by a refused completion: open %v", ids(open))
	}

	// Sales' record corrected too, the colleague named as someone else: done, and audited.
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { updateContact(id: $id, input: {address: {street: "Hauptstraße 5", postalCode: "10115", city: "Berlin"}}) { contact { id } } }`,
		map[string]any{"id": sales})
	var done struct{ CompleteRequest request }
	s.MustAdmin(t, &done, completeChecked, map[string]any{"id": rect.ID, "outcome": "Address corrected on every record",
		"checked": []string{marketing, sales}, "keep": []string{hans}})
	if done.CompleteRequest.Status != "DONE" {
		t.Fatalf("completed: %+v", done.CompleteRequest)
	}
	var audit struct {
		AuditTrail struct {
			Edges []struct {
				Node struct{ Operation, TargetID, Outcome string }
			}
		}
	}
	s.MustAdmin(t, &audit, auditOf, map[string]any{"c": marketing})
	var row string
	for _, e := range audit.AuditTrail.Edges {
		if e.Node.Operation == "completeRequest" && e.Node.TargetID == rect.ID {
			row = e.Node.Outcome
		}
	}
	want := "done; person rectified, records checked: " + marketing + ", " + sales + "; kept as someone else: " + hans
	if row != want {
		t.Errorf("audit of the completion %q, want %q", row, want)
	}
}

// A person with one record: completing as before (no checked) still works, the record the
// request names counts as checked.
func TestRectificationOfAPersonWithOneRecord(t *testing.T) {
	s := apptest.Start(t)
	only := newContact(t, s, erika)
	rect := file(t, s, map[string]any{"kind": "RECTIFICATION", "contactId": only, "channel": "letter"})
	if recs := personRecords(t, s, rect.ID, nil); len(recs) != 1 || !recs[0].Named || len(recs[0].LinkedBy) != 0 {
		t.Fatalf("person records %+v, want the one named record, linked by nothing", recs)
	}
	var done struct{ CompleteRequest request }
	s.MustAdmin(t, &done, completeReq, map[string]any{"id": rect.ID, "outcome": "Address corrected"})
	if done.CompleteRequest.Status != "DONE" {
		t.Fatalf("completed: %+v", done.CompleteRequest)
	}
	none := file(t, s, map[string]any{"kind": "RECTIFICATION", "channel": "letter"})
	if recs := personRecords(t, s, none.ID, nil); recs != nil {
		t.Errorf("a request without contact: person records %+v, want null", recs)
	}
}
