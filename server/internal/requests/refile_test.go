package requests_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// A request sent again (the desktop app's submission after its answer was lost) is filed
// once: an open request of the same kind for a record of the same person, received the same
// day by the same channel, refuses it and names the one that stands. The person asking again
// on another day, by another channel or after the first was closed is filed.
func TestARequestSentAgainIsFiledOnce(t *testing.T) {
	s := apptest.Start(t)
	first := newContact(t, s, map[string]any{"givenName": "Erika", "familyName": "Mustermann",
		"emails": []string{"erika.refile@example.test"}})
	second := newContact(t, s, map[string]any{"givenName": "E.", "familyName": "Mustermann",
		"emails": []string{"erika.refile@example.test"}, "phones": []string{"+49 30 5550123"}})
	today := time.Now().Add(-time.Minute).Format(time.RFC3339)
	in := map[string]any{"kind": "ACCESS", "channel": "letter", "contactId": first, "receivedAt": today}
	filed := file(t, s, in)

	open := func() []request {
		var out []request
		for _, r := range list(t, s, map[string]any{"status": "OPEN"}) {
			if r.Kind == "ACCESS" {
				out = append(out, r)
			}
		}
		return out
	}
	for _, again := range []map[string]any{
		in, // the same submission
		{"kind": "ACCESS", "channel": "letter", "contactId": second, "receivedAt": today}, // her other record
		{"kind": "ACCESS", "channel": "letter", "contactId": first, "receivedAt": time.Now().Add(-2 * time.Minute).Format(time.RFC3339),
			"note": "sent again"},
	} {
		res := s.Admin(t, fileRequest, map[string]any{"in": again})
		if len(res.Errors) != 1 || res.Errors[0].Extensions["reason"] != "REQUEST_ALREADY_FILED" || res.Errors[0].Field() != "input.contactId" {
			t.Fatalf("fileRequest(%v) again: %+v (data %s), want BAD_USER_INPUT REQUEST_ALREADY_FILED at input.contactId", again, res.Errors, res.Data)
		}
		if msg := res.Errors[0].Message; !strings.Contains(msg, filed.ID) {
			t.Errorf("the refusal does not name the request that stands (%s): %q", filed.ID, msg)
		}
	}
	if got := open(); len(got) != 1 || got[0].ID != filed.ID {
		t.Fatalf("open ACCESS requests after sending it again: %v, want only %s", ids(got), filed.ID)
	}

	// asked again: by another channel, on another day, or another kind
	yesterday := time.Now().AddDate(0, 0, -1).Format(time.RFC3339)
	file(t, s, map[string]any{"kind": "ACCESS", "channel": "e-mail", "contactId": first, "receivedAt": today})
	file(t, s, map[string]any{"kind": "ACCESS", "channel": "letter", "contactId": second, "receivedAt": yesterday})
	file(t, s, map[string]any{"kind": "RECTIFICATION", "channel": "letter", "contactId": first, "receivedAt": today})
	if got := open(); len(got) != 3 {
		t.Fatalf("open ACCESS requests: %v, want 3 (the first, by e-mail, of yesterday)", ids(got))
	}
	// once the first is closed, the same submission files a new request
	var out struct{ RejectRequest request }
	s.MustAdmin(t, &out, rejectReq, map[string]any{"id": filed.ID, "reason": "Identity could not be confirmed"})
	if r := file(t, s, in); r.ID == filed.ID || r.Status != "OPEN" {
		t.Fatalf("filed after the first was closed: %+v", r)
	}
}

// Two submissions of one request at the same moment (a resend while the first still runs)
// file one request: the person's requests of a kind are filed one at a time.
func TestARequestSentTwiceAtOnceIsFiledOnce(t *testing.T) {
	s := apptest.Start(t)
	id := newContact(t, s, map[string]any{"givenName": "Erika", "familyName": "Mustermann",
		"emails": []string{"erika.twice@example.test"}})
	for day := 1; day <= 8; day++ {
		in := map[string]any{"kind": "OBJECTION", "channel": "phone", "contactId": id,
			"receivedAt": time.Now().AddDate(0, 0, -day).Format(time.RFC3339)}
		var wg sync.WaitGroup
		var mu sync.Mutex
		var filed, refused int
		start := make(chan struct{})
		for range 2 {
			wg.Go(func() {
				<-start
				res := s.Admin(t, fileRequest, map[string]any{"in": in})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case len(res.Errors) == 0:
					filed++
				case res.Errors[0].Extensions["reason"] == "REQUEST_ALREADY_FILED":
					refused++
				default:
					t.Errorf("fileRequest: %+v", res.Errors)
				}
			})
		}
		close(start)
		wg.Wait()
		if filed != 1 || refused != 1 {
			t.Fatalf("received %d days ago, sent twice at once: %d filed, %d refused; want 1 and 1", day, filed, refused)
		}
	}
}
