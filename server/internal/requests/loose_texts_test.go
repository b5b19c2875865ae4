package requests_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// Erika Testfrau asked by letter what is held about her before anyone found a record of
// hers: the request was filed without a contact, its deadline extended while staff searched
// ("letter from erika.testfrau@example.org; searching the sales files") and a second one
// rejected ("no record under erika.testfrau@example.org"). Nothing could be checked against:
// she was on no record and not on the blacklist. Later sales enters her and she is erased.
// The erasure blanks the notes and channels of such requests that quote her; the texts that
// close or extend them, and the audit reasons that repeat them, quote her just as well and
// must not outlive her erasure either.
func TestErasureForgetsWhatLooseRequestsClosingTextsQuoteOfHer(t *testing.T) {
	for _, way := range []string{"eraseContact", "completeRequest"} {
		t.Run(way, func(t *testing.T) {
			s := apptest.Start(t)
			extended := file(t, s, map[string]any{"kind": "ACCESS", "channel": "letter"})
			var ext struct{ ExtendRequest request }
			s.MustAdmin(t, &ext, extendRequest, map[string]any{"id": extended.ID, "until": extended.ReceivedAt.AddDate(0, 2, 0).Format("2006-01-02T15:04:05Z07:00"),
				"reason": "letter from erika.testfrau@example.org; searching the sales files"})
			rejected := file(t, s, map[string]any{"kind": "ACCESS", "channel": "letter", "receivedAt": "2026-11-02T09:00:00Z"})
			// sent with an Idempotency-Key: its answer, which quotes the reason, is kept for a retry
			body, _ := json.Marshal(map[string]any{"query": rejectReq, "variables": map[string]any{"id": rejected.ID, "reason": "no record under Erika.Testfrau+post@example.org"}})
			req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+apptest.AdminToken)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", "reject-loose-1")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			answer, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(answer), "Erika.Testfrau+post") {
				t.Fatalf("rejectRequest: %s", answer)
			}
			done := file(t, s, map[string]any{"kind": "OBJECTION", "channel": "phone"})
			s.MustAdmin(t, &struct{}{}, completeReq, map[string]any{"id": done.ID, "outcome": "Told the caller from 030 5557001 that no record holds the number"})
			other := file(t, s, map[string]any{"kind": "ACCESS", "channel": "letter", "receivedAt": "2026-11-03T09:00:00Z"})
			s.MustAdmin(t, &struct{}{}, rejectReq, map[string]any{"id": other.ID, "reason": "no record under otto.fremd@example.org"})

			erika := newContact(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
				"emails": []string{"erika.testfrau@example.org"}, "phones": []string{"+49 30 5557001"}})
			switch way {
			case "eraseContact":
				s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { eraseContact(id: $id, reason: "request by letter") { contactId } }`, map[string]any{"id": erika})
			default:
				r := file(t, s, map[string]any{"kind": "ERASURE", "contactId": erika, "channel": "letter"})
				s.MustAdmin(t, &struct{}{}, completeReq, map[string]any{"id": r.ID, "outcome": "Erased everywhere on request"})
			}

			rows, err := s.App.DB.Pool.Query(context.Background(), `
				SELECT 'request ' || id || ' ' || coalesce(outcome, '') || ' | ' || coalesce(extension_reason, '') FROM data_subject_requests
				UNION ALL SELECT 'audit ' || operation || ' ' || coalesce(reason, '') FROM audit_log
				UNION ALL SELECT 'kept answer ' || convert_from(response, 'UTF8') FROM idempotent_requests WHERE response IS NOT NULL`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var kept bool
			for rows.Next() {
				var text string
				if err := rows.Scan(&text); err != nil {
					t.Fatal(err)
				}
				low := strings.ToLower(text)
				if strings.Contains(low, "testfrau") || strings.Contains(low, "5557001") {
					t.Errorf("after her erasure (%s) the register still quotes her: %s", way, text)
				}
				kept = kept || strings.Contains(text, "otto.fremd@example.org")
			}
			if !kept {
				t.Error("the text about someone else is gone too")
			}
		})
	}
}

// A closing text is checked against the person as she is known when it is written: the
// export of Erika Testfrau's access request went to the address she gave in her letter, which
// no record held yet. Sales enters her later with that address (and the phone of her first
// record); her erasure takes both records, and the outcome quoting the sales record's e-mail
// must go with them, as it would had sales entered her first.
func TestErasureForgetsWhatHerRequestsTextsQuoteOfARecordEnteredLater(t *testing.T) {
	s := apptest.Start(t)
	erika := newContact(t, s, map[string]any{"givenName": "Erika", "familyName": "Testfrau",
		"emails": []string{"erika.testfrau@example.org"}, "phones": []string{"+49 30 5557001"}})
	access := file(t, s, map[string]any{"kind": "ACCESS", "contactId": erika, "channel": "letter"})
	s.MustAdmin(t, &struct{}{}, completeReq, map[string]any{"id": access.ID, "outcome": "Export sent to e.t.vertrieb@firma.example as asked"})
	newContact(t, s, map[string]any{"givenName": "E.", "familyName": "Vertrieb",
		"emails": []string{"e.t.vertrieb@firma.example"}, "phones": []string{"030 5557001"}})
	var out struct {
		EraseContact struct{ ErasedContactIds []string }
	}
	s.MustAdmin(t, &out, `mutation($id: ID!) { eraseContact(id: $id, reason: "request by letter") { erasedContactIds } }`, map[string]any{"id": erika})
	if len(out.EraseContact.ErasedContactIds) != 2 {
		t.Fatalf("erased %v, want both records", out.EraseContact.ErasedContactIds)
	}
	for _, r := range list(t, s, nil) {
		if r.Outcome != nil && strings.Contains(*r.Outcome, "vertrieb") {
			t.Errorf("after her erasure request %s's outcome still reads %q", r.ID, *r.Outcome)
		}
	}
}
