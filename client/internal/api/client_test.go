package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestEndpoints(t *testing.T) {
	cases := []struct{ in, http, ws string }{
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/graphql", "ws://127.0.0.1:8080/graphql"},
		{"127.0.0.1:8080/", "http://127.0.0.1:8080/graphql", "ws://127.0.0.1:8080/graphql"},
		{"https://vermerk.example/api/graphql", "https://vermerk.example/api/graphql", "wss://vermerk.example/api/graphql"},
	}
	for _, c := range cases {
		h, w, err := Endpoints(c.in)
		if err != nil || h != c.http || w != c.ws {
			t.Errorf("Endpoints(%q) = %q, %q, %v", c.in, h, w, err)
		}
	}
	if _, _, err := Endpoints("ftp://x"); !errors.Is(err, ErrBadInput) {
		t.Errorf("ftp URL: err = %v", err)
	}
}

func TestQuerySendsBearerAndDecodes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer secret-token-123456" {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"errors":[{"message":"bearer token refused","extensions":{"code":"UNAUTHENTICATED"}}]}`)
			return
		}
		io.WriteString(w, `{"data":{"me":{"name":"Anna","role":"ADMIN","purposeKeys":[]}}}`)
	}))
	defer srv.Close()

	c, _ := New(srv.URL, "secret-token-123456")
	v, err := c.Me(context.Background())
	if err != nil || v.Name != "Anna" || v.Role != RoleAdmin {
		t.Fatalf("Me = %+v, %v", v, err)
	}

	bad, _ := New(srv.URL, "wrong")
	_, err = bad.Me(context.Background())
	if !errors.Is(err, ErrUnauthenticated) || !strings.Contains(err.Error(), "bearer token refused") {
		t.Fatalf("wrong token: err = %v", err)
	}
}

func TestUnreachableServer(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	c, _ := New("http://"+addr, "token")
	_, err := c.Me(context.Background())
	var e *Error
	if !errors.Is(err, ErrUnreachable) || !errors.As(err, &e) || e.Server != "http://"+addr {
		t.Fatalf("err = %v, want ErrUnreachable naming the server http://%s", err, addr)
	}
	// The live feeds name it too (their link state says why they are offline).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	states := make(chan LinkState, 1)
	go c.WatchBlacklist(ctx, func(BlacklistEntryFields) {}, func(st LinkState) {
		select {
		case states <- st:
		default:
		}
	})
	st := <-states
	if !errors.Is(st.Err, ErrUnreachable) || !errors.As(st.Err, &e) || e.Server != "http://"+addr {
		t.Fatalf("link state err = %v, want ErrUnreachable naming the server http://%s", st.Err, addr)
	}
}

func TestGraphQLErrorCode(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"errors":[{"message":"only admins","path":["blacklist"],"extensions":{"code":"FORBIDDEN"}}],"data":null}`)
	}))
	defer srv.Close()
	c, _ := New(srv.URL, "t")
	_, err := c.Blacklist(context.Background(), 10, "")
	if !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), "blacklist: only admins") {
		t.Fatalf("err = %v", err)
	}
}

// A server that wrote nothing and asks for the request again (UNAVAILABLE in the answer, as a
// server replaced by a key rotation says, or HTTP 503, as one that cannot check the token
// says) is told apart from an internal error, so the user is asked to try again.
func TestUnavailableIsToldApart(t *testing.T) {
	defer func(w []time.Duration) { unavailableWaits = w }(unavailableWaits)
	unavailableWaits = nil // told apart at once, not after the tries of TestUnavailableIsSentAgain
	for _, tc := range []struct {
		name   string
		status int
		body   string
	}{
		{"UNAVAILABLE", http.StatusOK, `{"errors":[{"message":"nothing was written","path":["createContact"],"extensions":{"code":"UNAVAILABLE"}}],"data":null}`},
		{"503", http.StatusServiceUnavailable, `{"errors":[{"message":"the bearer token could not be checked right now","extensions":{"code":"INTERNAL"}}]}`},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(tc.status)
			io.WriteString(w, tc.body)
		}))
		c, _ := New(srv.URL, "t")
		_, err := c.Me(context.Background())
		srv.Close()
		if !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s: err = %v, want ErrUnavailable", tc.name, err)
		}
	}
}

// A write refused whole with UNAVAILABLE (an instance left behind by a key rotation, in the
// seconds before it stops) is sent again, so the user does not see it; a server that stays
// unavailable is reported after the last try. Uploads are not sent again.
func TestUnavailableIsSentAgain(t *testing.T) {
	defer func(w []time.Duration) { unavailableWaits = w }(unavailableWaits)
	unavailableWaits = []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond}
	var posts atomic.Int32
	refusals := int32(2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if posts.Add(1) <= refusals {
			io.WriteString(w, `{"errors":[{"message":"nothing was written","path":["me"],"extensions":{"code":"UNAVAILABLE"}}],"data":null}`)
			return
		}
		io.WriteString(w, `{"data":{"me":{"name":"office","role":"OFFICE","purposeKeys":[]}}}`)
	}))
	defer srv.Close()
	c, _ := New(srv.URL, "t")
	v, err := c.Me(context.Background())
	if err != nil || v.Name != "office" || posts.Load() != 3 {
		t.Fatalf("after 2 refusals: %+v, %v, %d requests; want the answer of the 3rd", v, err, posts.Load())
	}

	posts.Store(0)
	refusals = 100
	if _, err := c.Me(context.Background()); !errors.Is(err, ErrUnavailable) || posts.Load() != 4 {
		t.Fatalf("a server that stays unavailable: %v after %d requests; want ErrUnavailable after 4", err, posts.Load())
	}

	posts.Store(0)
	if _, err := c.StartImport(context.Background(), Upload{FileName: "a.csv", Body: strings.NewReader("Vorname\n")}, "newsletter"); err == nil || posts.Load() != 1 {
		t.Fatalf("an upload refused as unavailable: %v after %d requests; want the refusal, sent once", err, posts.Load())
	}
}

func TestBadInputCarriesReasonAndField(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"errors":[
			{"message":"e-mail \"anna@\" has no domain","extensions":{"code":"BAD_USER_INPUT","reason":"EMAIL_NO_DOMAIN","field":"input.emails[0]"}},
			{"message":"city is empty","extensions":{"code":"BAD_USER_INPUT","reason":"CITY_REQUIRED","field":"input.address.city"}}],"data":null}`)
	}))
	defer srv.Close()
	c, _ := New(srv.URL, "t")
	_, err := c.Screen(context.Background(), ContactInput{Emails: []string{"anna@"}})
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrBadInput) || e.Reason != "EMAIL_NO_DOMAIN" || e.Field != "input.emails[0]" {
		t.Fatalf("err = %#v", err)
	}
	if len(e.Problems) != 2 || e.Problems[1].Reason != "CITY_REQUIRED" || e.Problems[1].Field != "input.address.city" {
		t.Fatalf("problems = %+v", e.Problems)
	}
}

func TestUploadIsAMultipartRequest(t *testing.T) {
	var operations, fileMap, fileName, content string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			t.Error("no bearer on the upload")
		}
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			t.Errorf("not multipart: %v", err)
			return
		}
		operations, fileMap = r.FormValue("operations"), r.FormValue("map")
		f, h, err := r.FormFile("0")
		if err != nil {
			t.Errorf("no file part: %v", err)
			return
		}
		b, _ := io.ReadAll(f)
		fileName, content = h.Filename, string(b)
		io.WriteString(w, `{"data":{"startImport":{"id":"j1","status":"RUNNING","total":2,"processed":0,"inserted":0,"duplicates":0,"held":0,"invalid":0,"problems":[],"heldRows":[],"fileName":"a.csv","encoding":"UTF-8","separator":";","unknownColumns":[],"createdAt":"2026-05-03T10:00:00Z"}}}`)
	}))
	defer srv.Close()
	c, _ := New(srv.URL, "t")
	job, err := c.StartImport(context.Background(), Upload{FileName: "a.csv", Body: strings.NewReader("Vorname;E-Mail\nAnna;a@x.de\n")}, "newsletter")
	if err != nil || job.Id != "j1" {
		t.Fatalf("StartImport = %+v, %v", job, err)
	}
	var ops struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	}
	if err := json.Unmarshal([]byte(operations), &ops); err != nil {
		t.Fatal(err)
	}
	if v, ok := ops.Variables["file"]; !ok || v != nil || ops.Variables["listKey"] != "newsletter" || !strings.Contains(ops.Query, "startImport") {
		t.Errorf("operations = %s", operations)
	}
	if fileMap != `{"0":["variables.file"]}` {
		t.Errorf("map = %s", fileMap)
	}
	if fileName != "a.csv" || !strings.HasPrefix(content, "Vorname;E-Mail") {
		t.Errorf("file part %q = %q", fileName, content)
	}
}

// wsServer speaks just enough graphql-transport-ws: it checks the token in
// connection_init, then answers a revocations subscription with events after the cursor.
type wsServer struct {
	t      *testing.T
	token  string
	mu     sync.Mutex
	afters []string // the cursor of every subscribe, in order
	drop   int      // connections to cut after the first event
}

func (s *wsServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{Subprotocols: []string{"graphql-transport-ws"}}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	var init struct {
		Type    string         `json:"type"`
		Payload map[string]any `json:"payload"`
	}
	if conn.ReadJSON(&init) != nil || init.Type != "connection_init" {
		return
	}
	if init.Payload["authorization"] != "Bearer "+s.token {
		conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4403, "Forbidden"))
		return
	}
	conn.WriteJSON(map[string]string{"type": "connection_ack"})
	conn.WriteJSON(map[string]string{"type": "ping"})
	var sub struct {
		ID      string `json:"id"`
		Type    string `json:"type"`
		Payload struct {
			Variables map[string]any `json:"variables"`
		} `json:"payload"`
	}
	for {
		if err := conn.ReadJSON(&sub); err != nil {
			return
		}
		if sub.Type == "subscribe" {
			break
		}
	}
	after, _ := sub.Payload.Variables["after"].(string)
	s.mu.Lock()
	s.afters = append(s.afters, after)
	drop := s.drop > 0
	s.drop--
	s.mu.Unlock()
	start := 0
	if after != "" {
		start = int(after[0] - '0')
	}
	for i := start + 1; i <= 3; i++ {
		ev := map[string]any{"cursor": string(rune('0' + i)), "kind": "CONSENT_REVOKED", "at": "2026-05-03T10:00:00Z",
			"contactId": "c1", "purpose": nil, "channel": "phone"}
		conn.WriteJSON(map[string]any{"id": sub.ID, "type": "next", "payload": map[string]any{"data": map[string]any{"revocations": ev}}})
		if drop {
			return // the connection breaks after one event
		}
	}
	time.Sleep(time.Second)
}

func TestRevocationsReconnectAndResumeFromTheLastCursor(t *testing.T) {
	BackoffMin = 10 * time.Millisecond
	ws := &wsServer{t: t, token: "tok", drop: 1}
	srv := httptest.NewServer(ws)
	defer srv.Close()
	c, _ := New(srv.URL, "tok")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var got []string
	var states []LinkState
	c.WatchRevocations(ctx, "", func(e RevocationFields) {
		got = append(got, e.Cursor)
		if len(got) == 3 {
			cancel()
		}
	}, func(s LinkState) { states = append(states, s) })

	if strings.Join(got, ",") != "1,2,3" {
		t.Fatalf("events = %v, want 1,2,3 with nothing repeated or lost", got)
	}
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if len(ws.afters) != 2 || ws.afters[0] != "" || ws.afters[1] != "1" {
		t.Fatalf("subscribed with cursors %q, want [\"\" \"1\"]", ws.afters)
	}
	if len(states) < 3 || !states[0].Connected || states[1].Connected || states[1].Err == nil {
		t.Fatalf("states = %+v", states)
	}
}

func TestSubscriptionWithARefusedToken(t *testing.T) {
	ws := &wsServer{t: t, token: "tok"}
	srv := httptest.NewServer(ws)
	defer srv.Close()
	c, _ := New(srv.URL, "wrong")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var first LinkState
	c.WatchBlacklist(ctx, func(BlacklistEntryFields) {}, func(s LinkState) {
		first = s
		cancel()
	})
	if !errors.Is(first.Err, ErrUnauthenticated) || first.RetryIn < BackoffMax/2 {
		t.Fatalf("state = %+v, want a refused token and a long pause", first)
	}
}

// The record of processing activities takes longer than an ordinary request may (20.6 s at
// 11,000,000 contacts): it is bounded by the caller's context only, every other request by
// RequestTimeout.
func TestRecordWaitsLongerThanARequest(t *testing.T) {
	old := RequestTimeout
	RequestTimeout = 200 * time.Millisecond
	defer func() { RequestTimeout = old }()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(600 * time.Millisecond)
		var req struct{ OperationName string }
		_ = json.NewDecoder(r.Body).Decode(&req)
		if req.OperationName == "ProcessingRecord" {
			io.WriteString(w, `{"data":{"processingRecord":"# Record of processing activities"}}`)
			return
		}
		io.WriteString(w, `{"data":{"me":{"name":"Anna","role":"ADMIN","purposeKeys":[]}}}`)
	}))
	defer srv.Close()
	c, _ := New(srv.URL, "t")
	if md, err := c.ProcessingRecord(context.Background()); err != nil || md != "# Record of processing activities" {
		t.Errorf("the record after 600 ms: %q, %v", md, err)
	}
	if _, err := c.Me(context.Background()); err == nil {
		t.Error("an ordinary request waited past RequestTimeout")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := c.ProcessingRecord(ctx); err == nil {
		t.Error("the record waited past its context's deadline")
	}
}
