package requests_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/apptest"
)

// A request falling due reaches the revocations feed (the desktop's admin feed) and a
// webhook that asked for REQUEST_DUE, naming the request.
func TestDueRequestReachesSubscribersAndWebhooks(t *testing.T) {
	s := apptest.Start(t)
	var (
		mu     sync.Mutex
		bodies []map[string]any
	)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var p map[string]any
		_ = json.Unmarshal(b, &p)
		mu.Lock()
		bodies = append(bodies, p)
		mu.Unlock()
	}))
	defer hook.Close()
	var out any
	s.MustAdmin(t, &out, `mutation($url: String!) { createWebhook(input: {url: $url, kinds: [REQUEST_DUE], secret: "0123456789abcdef0123"}) { id } }`,
		map[string]any{"url": hook.URL})
	feed, err := s.App.Events.Revocations(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	r := file(t, s, map[string]any{"kind": "ERASURE", "channel": "letter", "receivedAt": time.Now().AddDate(0, 0, -40).Format(time.RFC3339)})
	if n, err := s.App.Requests.SendDueEvents(t.Context()); err != nil || n != 1 {
		t.Fatalf("SendDueEvents = %d, %v", n, err)
	}
	select {
	case e := <-feed:
		if e.Kind != model.RevocationKindRequestDue || e.RequestID == nil || *e.RequestID != r.ID || e.Channel != "overdue" {
			t.Fatalf("feed event %+v, want REQUEST_DUE of %s, channel overdue", e, r.ID)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no REQUEST_DUE event in the feed")
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		mu.Lock()
		got := append([]map[string]any(nil), bodies...)
		mu.Unlock()
		if len(got) > 0 {
			if got[0]["kind"] != "REQUEST_DUE" || got[0]["requestId"] != r.ID || got[0]["channel"] != "overdue" {
				t.Fatalf("webhook payload %v", got[0])
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the webhook received nothing")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
