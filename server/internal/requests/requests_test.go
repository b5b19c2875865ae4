package requests_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/requests"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const (
	createContact = `mutation($in: ContactInput!) { createContact(input: $in) { contact { id } } }`
	fileRequest   = `mutation($in: RequestInput!) { fileRequest(input: $in) { ` + requestFields + ` } }`
	extendRequest = `mutation($id: ID!, $until: Time!, $reason: String!, $toldAt: Time) { extendRequest(id: $id, until: $until, reason: $reason, toldAt: $toldAt) { ` + requestFields + ` } }`
	completeReq   = `mutation($id: ID!, $outcome: String!) { completeRequest(id: $id, outcome: $outcome) { ` + requestFields + ` export } }`
	rejectReq     = `mutation($id: ID!, $reason: String!) { rejectRequest(id: $id, reason: $reason) { ` + requestFields + ` } }`
	listRequests  = `query($status: RequestStatus, $overdue: Boolean) { requests(status: $status, overdue: $overdue) { ` + requestFields + ` } }`
	requestFields = `id kind status receivedAt dueAt extendedTo extensionReason extensionToldAt channel note closedAt outcome handedOverAt contact { id }`
)

type request struct {
	ID, Kind, Status, Channel      string
	ReceivedAt, DueAt              time.Time
	ExtendedTo, ClosedAt           *time.Time
	HandedOverAt, ExtensionToldAt  *time.Time
	Note, Outcome, ExtensionReason *string
	Export                         *string
	Contact                        *struct{ ID string }
}

var erika = map[string]any{
	"givenName": "Erika", "familyName": "Mustermann",
	"emails": []string{"max.muster@example.com"}, "phones": []string{"+49 30 1234567"},
}

func newContact(t *testing.T, s *apptest.Server, in map[string]any) string {
	t.Helper()
	var out struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	s.MustAdmin(t, &out, createContact, map[string]any{"in": in})
	return out.CreateContact.Contact.ID
}

func file(t *testing.T, s *apptest.Server, in map[string]any) request {
	t.Helper()
	var out struct{ FileRequest request }
	s.MustAdmin(t, &out, fileRequest, map[string]any{"in": in})
	return out.FileRequest
}

func list(t *testing.T, s *apptest.Server, vars map[string]any) []request {
	t.Helper()
	var out struct{ Requests []request }
	s.MustAdmin(t, &out, listRequests, vars)
	return out.Requests
}

// badInput runs a request as admin and returns extensions.reason and extensions.field of
// its one BAD_USER_INPUT error.
func badInput(t *testing.T, s *apptest.Server, query string, vars map[string]any) (reason, field string) {
	t.Helper()
	res := s.Admin(t, query, vars)
	if len(res.Errors) != 1 || res.Errors[0].Code() != "BAD_USER_INPUT" {
		t.Fatalf("want one BAD_USER_INPUT error, got %+v (data %s)", res.Errors, res.Data)
	}
	r, _ := res.Errors[0].Extensions["reason"].(string)
	return r, res.Errors[0].Field()
}

func scrape(t *testing.T, s *apptest.Server) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+apptest.AdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func ids(rs []request) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

// The "done when": a request received 40 days ago is overdue, is listed as such and
// counted in /metrics; one received 25 days ago is due within 7 days; each is announced once.
func TestOverdueRequestIsListedCountedAndAnnounced(t *testing.T) {
	s := apptest.Start(t)
	id := newContact(t, s, erika)
	now := time.Now()
	old := file(t, s, map[string]any{"kind": "ACCESS", "contactId": id, "channel": "letter",
		"receivedAt": now.AddDate(0, 0, -40).Format(time.RFC3339), "note": "Letter of 20 October"})
	soon := file(t, s, map[string]any{"kind": "OBJECTION", "channel": "e-mail",
		"receivedAt": now.AddDate(0, 0, -25).Format(time.RFC3339)})
	fresh := file(t, s, map[string]any{"kind": "RECTIFICATION", "contactId": id, "channel": "phone"})

	if want := requests.DueAt(old.ReceivedAt, time.Local); !old.DueAt.Equal(want) || !old.DueAt.Before(now) {
		t.Fatalf("40 days ago: due %s, want %s (in the past)", old.DueAt, want)
	}
	if old.Contact == nil || old.Contact.ID != id || old.Status != "OPEN" {
		t.Fatalf("filed request: %+v", old)
	}
	if got := ids(list(t, s, map[string]any{"overdue": true})); len(got) != 1 || got[0] != old.ID {
		t.Fatalf("requests(overdue: true) = %v, want only %s", got, old.ID)
	}
	// the rest by due date: the one due soon before the fresh one
	if got := ids(list(t, s, map[string]any{"overdue": false})); len(got) != 2 || got[0] != soon.ID || got[1] != fresh.ID {
		t.Fatalf("requests(overdue: false) = %v, want [%s %s]", got, soon.ID, fresh.ID)
	}
	m := scrape(t, s)
	for _, line := range []string{"vermerk_requests_overdue 1", "vermerk_requests_due_soon 1"} {
		if !strings.Contains(m, line+"\n") {
			t.Errorf("/metrics lacks %q", line)
		}
	}

	sent, err := s.App.Requests.SendDueEvents(t.Context())
	if err != nil || sent != 2 {
		t.Fatalf("SendDueEvents = %d, %v; want 2 (one overdue, one due soon)", sent, err)
	}
	if again, err := s.App.Requests.SendDueEvents(t.Context()); err != nil || again != 0 {
		t.Fatalf("second SendDueEvents = %d, %v; want 0 (each announced once)", again, err)
	}
	rows, err := s.App.DB.Pool.Query(t.Context(), `SELECT ref, channel, coalesce(contact_id::text, '') FROM events WHERE kind = 'REQUEST_DUE' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][2]string{}
	for rows.Next() {
		var ref, ch, c string
		if err := rows.Scan(&ref, &ch, &c); err != nil {
			t.Fatal(err)
		}
		got[ref] = [2]string{ch, c}
	}
	if got[old.ID] != [2]string{"overdue", id} || got[soon.ID] != [2]string{"due-soon", ""} || len(got) != 2 {
		t.Fatalf("REQUEST_DUE events: %v", got)
	}
}

// An extension with a reason moves the deadline; one beyond three months after arrival, or
// without a reason, or naming the person, is refused.
func TestExtendRequest(t *testing.T) {
	s := apptest.Start(t)
	id := newContact(t, s, erika)
	received := time.Now().AddDate(0, 0, -40)
	r := file(t, s, map[string]any{"kind": "ACCESS", "contactId": id, "channel": "letter", "receivedAt": received.Format(time.RFC3339)})

	tooLate := requests.LatestExtension(r.ReceivedAt, time.Local).Add(24 * time.Hour)
	for _, tc := range []struct {
		until  time.Time
		reason string
		want   string
		field  string
	}{
		{tooLate, "Many records to collect", "EXTENSION_BEYOND_THREE_MONTHS", "until"},
		{r.DueAt.AddDate(0, 0, -1), "Many records to collect", "EXTENSION_NOT_LATER", "until"},
		{r.DueAt.AddDate(0, 1, 0), " ", "REQUIRED", "reason"},
		{r.DueAt.AddDate(0, 1, 0), "Frau Mustermann sent more questions", "REASON_HAS_PERSONAL_DATA", "reason"},
	} {
		reason, field := badInput(t, s, extendRequest, map[string]any{"id": r.ID, "until": tc.until.Format(time.RFC3339), "reason": tc.reason})
		if reason != tc.want || field != tc.field {
			t.Errorf("extend to %s with %q: %s at %s, want %s at %s", tc.until, tc.reason, reason, field, tc.want, tc.field)
		}
	}

	// Art. 12(3): the person is told of an extension within the month. Forty days after
	// arrival an extension told now, in the future or before the request arrived is refused.
	until := received.AddDate(0, 2, 0)
	told := received.AddDate(0, 0, 20)
	for _, tc := range []struct {
		toldAt any
		field  string
	}{
		{nil, "id"},
		{time.Now().Add(time.Hour).Format(time.RFC3339), "toldAt"},
		{received.Add(-time.Hour).Format(time.RFC3339), "toldAt"},
		{r.DueAt.Add(time.Minute).Format(time.RFC3339), "toldAt"},
	} {
		reason, field := badInput(t, s, extendRequest, map[string]any{"id": r.ID, "until": until.Format(time.RFC3339), "reason": "Many records to collect", "toldAt": tc.toldAt})
		if reason != "EXTENSION_TOLD_TOO_LATE" || field != tc.field {
			t.Errorf("extension of a request received 40 days ago, told at %v: %s at %s, want EXTENSION_TOLD_TOO_LATE at %s", tc.toldAt, reason, field, tc.field)
		}
	}
	if got := list(t, s, map[string]any{"overdue": true}); len(got) != 1 || got[0].ExtendedTo != nil {
		t.Fatalf("after refused extensions the request is %+v, want it overdue and not extended", got)
	}

	var out struct{ ExtendRequest request }
	s.MustAdmin(t, &out, extendRequest, map[string]any{"id": r.ID, "until": until.Format(time.RFC3339), "reason": "Many records in three systems to collect", "toldAt": told.Format(time.RFC3339)})
	ext := out.ExtendRequest
	if ext.ExtendedTo == nil || !ext.ExtendedTo.Equal(requests.EndOfDay(until, time.Local)) || !ext.DueAt.Equal(r.DueAt) {
		t.Fatalf("extended: %+v, want extendedTo the end of %s and dueAt unchanged", ext, until.Format(time.DateOnly))
	}
	if ext.ExtensionReason == nil || *ext.ExtensionReason != "Many records in three systems to collect" {
		t.Fatalf("extension reason: %v", ext.ExtensionReason)
	}
	if ext.ExtensionToldAt == nil || !ext.ExtensionToldAt.Equal(told.Truncate(time.Second)) {
		t.Fatalf("extensionToldAt %v, want %s", ext.ExtensionToldAt, told.Truncate(time.Second))
	}
	if got := list(t, s, map[string]any{"overdue": true}); len(got) != 0 {
		t.Fatalf("extended request still overdue: %+v", got)
	}
	// exactly three months is allowed
	latest := requests.LatestExtension(r.ReceivedAt, time.Local)
	s.MustAdmin(t, &out, extendRequest, map[string]any{"id": r.ID, "until": latest.Format(time.RFC3339Nano), "reason": "Still collecting", "toldAt": told.Format(time.RFC3339)})
	if !out.ExtendRequest.ExtendedTo.Equal(latest) {
		t.Fatalf("extended to %s, want %s", out.ExtendRequest.ExtendedTo, latest)
	}
}

// A request extended within its month without toldAt records now as when the person was told.
func TestExtendRequestToldNow(t *testing.T) {
	s := apptest.Start(t)
	id := newContact(t, s, erika)
	r := file(t, s, map[string]any{"kind": "ACCESS", "contactId": id, "channel": "letter", "receivedAt": time.Now().AddDate(0, 0, -3).Format(time.RFC3339)})
	before := time.Now().Add(-time.Second)
	var out struct{ ExtendRequest request }
	s.MustAdmin(t, &out, extendRequest, map[string]any{"id": r.ID, "until": r.DueAt.AddDate(0, 1, 0).Format(time.RFC3339), "reason": "Many records to collect"})
	if told := out.ExtendRequest.ExtensionToldAt; told == nil || told.Before(before) || told.After(time.Now()) {
		t.Fatalf("extensionToldAt %v, want about now", told)
	}
}

// Completing an ERASURE request erases the person, but not while their ACCESS request is
// open; the ACCESS request hands over the export first.
func TestCompleteErasureAfterAccess(t *testing.T) {
	s := apptest.Start(t)
	id := newContact(t, s, erika)
	access := file(t, s, map[string]any{"kind": "ACCESS", "contactId": id, "channel": "letter"})
	erasure := file(t, s, map[string]any{"kind": "ERASURE", "contactId": id, "channel": "letter", "note": "Letter from Erika Mustermann"})

	if reason, field := badInput(t, s, completeReq, map[string]any{"id": erasure.ID, "outcome": "Erased on request"}); reason != "ACCESS_REQUEST_OPEN" || field != "id" {
		t.Fatalf("erasure with an open access request: %s at %s", reason, field)
	}
	if reason, _ := badInput(t, s, completeReq, map[string]any{"id": access.ID, "outcome": "Sent to max.muster@example.com"}); reason != "REASON_HAS_PERSONAL_DATA" {
		t.Fatalf("outcome with the person's e-mail: %s", reason)
	}

	var done struct{ CompleteRequest request }
	s.MustAdmin(t, &done, completeReq, map[string]any{"id": access.ID, "outcome": "Export sent by registered letter"})
	a := done.CompleteRequest
	if a.Status != "DONE" || a.HandedOverAt == nil || a.ClosedAt == nil || a.Export == nil {
		t.Fatalf("completed access request: %+v", a)
	}
	var doc struct {
		Contact struct {
			ID     string
			Emails []string
		}
	}
	if err := json.Unmarshal([]byte(*a.Export), &doc); err != nil || doc.Contact.ID != id || len(doc.Contact.Emails) != 1 {
		t.Fatalf("export is not the person's JSON (%v): %.200s", err, *a.Export)
	}

	s.MustAdmin(t, &done, completeReq, map[string]any{"id": erasure.ID, "outcome": "Erased everywhere on request"})
	e := done.CompleteRequest
	if e.Status != "DONE" || e.Contact != nil || e.Note != nil || e.Export != nil {
		t.Fatalf("completed erasure request: %+v (the contact and the note must be gone)", e)
	}
	var after struct{ Contact *struct{ ID string } }
	s.MustAdmin(t, &after, `query($id: ID!) { contact(id: $id) { id } }`, map[string]any{"id": id})
	if after.Contact != nil {
		t.Fatal("the contact survived the erasure request")
	}
	var scr struct{ Screen struct{ Blocked bool } }
	s.MustAdmin(t, &scr, `query { screen(candidate: {emails: ["Max.Muster@example.com"]}) { blocked } }`, nil)
	if !scr.Screen.Blocked {
		t.Fatal("the erased person's e-mail is not on the blacklist")
	}
	if reason, _ := badInput(t, s, completeReq, map[string]any{"id": erasure.ID, "outcome": "Again"}); reason != "REQUEST_CLOSED" {
		t.Fatalf("completing a closed request: %s", reason)
	}
	var audit int
	if err := s.App.DB.Pool.QueryRow(t.Context(), `SELECT count(*) FROM audit_log WHERE operation IN ('fileRequest', 'completeRequest') AND target_id IN ($1, $2)`,
		access.ID, erasure.ID).Scan(&audit); err != nil || audit != 4 {
		t.Fatalf("audit rows of filing and completing: %d, %v; want 4", audit, err)
	}
}

func TestRejectAndFileInput(t *testing.T) {
	s := apptest.Start(t)
	r := file(t, s, map[string]any{"kind": "PORTABILITY", "channel": "web form"})
	var out struct{ RejectRequest request }
	s.MustAdmin(t, &out, rejectReq, map[string]any{"id": r.ID, "reason": "Identity could not be confirmed"})
	if out.RejectRequest.Status != "REJECTED" || *out.RejectRequest.Outcome != "Identity could not be confirmed" {
		t.Fatalf("rejected: %+v", out.RejectRequest)
	}
	for _, tc := range []struct {
		in            map[string]any
		reason, field string
	}{
		{map[string]any{"kind": "ACCESS", "channel": "letter", "receivedAt": time.Now().Add(time.Hour).Format(time.RFC3339)}, "RECEIVED_IN_FUTURE", "input.receivedAt"},
		{map[string]any{"kind": "ACCESS", "channel": " "}, "REQUIRED", "input.channel"},
		{map[string]any{"kind": "ACCESS", "channel": "letter", "contactId": "00000000-0000-0000-0000-000000000001"}, "UNKNOWN_CONTACT", "input.contactId"},
	} {
		if reason, field := badInput(t, s, fileRequest, map[string]any{"in": tc.in}); reason != tc.reason || field != tc.field {
			t.Errorf("fileRequest(%v): %s at %s, want %s at %s", tc.in, reason, field, tc.reason, tc.field)
		}
	}
}

// requests pages by the deadline in force; `after` is the id of the last request received.
func TestRequestsPages(t *testing.T) {
	s := apptest.Start(t)
	var want []string
	for _, days := range []int{30, 20, 10} { // the oldest is due first
		r := file(t, s, map[string]any{"kind": "ACCESS", "channel": "letter", "receivedAt": time.Now().AddDate(0, 0, -days).Format(time.RFC3339)})
		want = append(want, r.ID)
	}
	page := func(after any) []string {
		var out struct{ Requests []request }
		s.MustAdmin(t, &out, `query($after: String) { requests(first: 2, after: $after) { `+requestFields+` } }`, map[string]any{"after": after})
		return ids(out.Requests)
	}
	first := page(nil)
	if len(first) != 2 || first[0] != want[0] || first[1] != want[1] {
		t.Fatalf("first page %v, want %v", first, want[:2])
	}
	if rest := page(first[1]); len(rest) != 1 || rest[0] != want[2] {
		t.Fatalf("second page %v, want [%s]", rest, want[2])
	}
	if reason, field := badInput(t, s, `query { requests(after: "nonsense") { id } }`, nil); reason != "BAD_ID" || field != "after" {
		t.Fatalf("a bad after: %s at %s", reason, field)
	}
}
