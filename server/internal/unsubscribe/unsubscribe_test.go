package unsubscribe_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/apptest/gqlws"
	"github.com/vermerk/vermerk/server/internal/config"
	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/unsubscribe"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// fixture: a newsletter purpose with the list news-de, and helpers to drive the server.
type fixture struct {
	*apptest.Server
}

func newFixture(t *testing.T, opts ...apptest.Option) fixture {
	t.Helper()
	f := fixture{apptest.Start(t, opts...)}
	f.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	f.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "sales-calls", name: "Sales calls", legalBasis: CONSENT}) { id } }`, nil)
	f.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news-de", name: "Newsletter Deutschland", purposeKey: "newsletter"}) { id } }`, nil)
	f.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "calls-q3", name: "Anrufaktion Q3", purposeKey: "sales-calls"}) { id } }`, nil)
	return f
}

// subscriber creates a contact on news-de with a granted newsletter consent.
func (f fixture) subscriber(t *testing.T, given, family string) string {
	t.Helper()
	var out struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	f.MustAdmin(t, &out, `mutation($in: ContactInput!) { createContact(input: $in) { contact { id } } }`,
		map[string]any{"in": map[string]any{"givenName": given, "familyName": family,
			"emails": []string{strings.ToLower(given+"."+family) + "@example.org"}}})
	id := out.CreateContact.Contact.ID
	vars := map[string]any{"c": id}
	f.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { addToList(contactId: $c, listKey: "news-de") { id } }`, vars)
	f.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { recordConsent(input: {contactId: $c, purposeKey: "newsletter", source: "web form"}) { id } }`, vars)
	return id
}

type recipient struct {
	ID             string
	Emails         []string
	UnsubscribeURL string
}

// recipients fetches what newsletter software fetches: addresses and links in one query.
func (f fixture) recipients(t *testing.T) map[string]recipient {
	t.Helper()
	var out struct {
		Recipients struct{ Edges []struct{ Node recipient } }
	}
	f.MustAdmin(t, &out, `{ recipients(listKey: "news-de", first: 100) { edges { node { id emails unsubscribeURL(listKey: "news-de") } } } }`, nil)
	m := map[string]recipient{}
	for _, e := range out.Recipients.Edges {
		m[e.Node.ID] = e.Node
	}
	return m
}

type ledgerEntry struct{ Status, Source, RecordedBy string }

func (f fixture) ledger(t *testing.T, contactID string) []ledgerEntry {
	t.Helper()
	var out struct{ ConsentProof []ledgerEntry }
	f.MustAdmin(t, &out, `query($c: ID!) { consentProof(contactId: $c) { status source recordedBy } }`, map[string]any{"c": contactID})
	return out.ConsentProof
}

func (f fixture) link(t *testing.T, contactID string) string {
	t.Helper()
	var out struct{ UnsubscribeLink string }
	f.MustAdmin(t, &out, `query($c: ID!) { unsubscribeLink(contactId: $c, listKey: "news-de") }`, map[string]any{"c": contactID})
	return out.UnsubscribeLink
}

// noRedirects fails on a redirect instead of following it: the endpoint must answer itself.
var noRedirects = &http.Client{
	Timeout:       20 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return errors.New("redirected") },
}

type answer struct {
	Status int
	Header http.Header
	Body   string
}

func do(t *testing.T, req *http.Request) answer {
	t.Helper()
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

func get(t *testing.T, link string) answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, link, nil)
	return do(t, req)
}

// postForm sends RFC 8058's one-click body as application/x-www-form-urlencoded.
func postForm(t *testing.T, link string, form url.Values) answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, link, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, req)
}

func postMultipart(t *testing.T, link string) answer {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("List-Unsubscribe", "One-Click")
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, link, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return do(t, req)
}

var oneClick = url.Values{"List-Unsubscribe": {"One-Click"}}

// hookReceiver is a newsletter system's webhook endpoint that fails its first `failures` calls.
type hookReceiver struct {
	secret   string
	failures int

	mu    sync.Mutex
	calls []hookCall
	got   chan hookCall
}

type hookCall struct {
	Status          int
	Body            []byte
	Timestamp, Sign string
}

func newHookReceiver(t *testing.T, secret string, failures int) (*hookReceiver, *httptest.Server) {
	r := &hookReceiver{secret: secret, failures: failures, got: make(chan hookCall, 100)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		c := hookCall{Status: http.StatusOK, Body: body,
			Timestamp: req.Header.Get("X-Vermerk-Timestamp"), Sign: req.Header.Get("X-Vermerk-Signature")}
		if len(r.calls) < r.failures {
			c.Status = http.StatusInternalServerError
		}
		r.calls = append(r.calls, c)
		r.mu.Unlock()
		w.WriteHeader(c.Status)
		if c.Status == http.StatusOK {
			r.got <- c
		}
	}))
	t.Cleanup(srv.Close)
	return r, srv
}

// verify checks a call the way the integrator docs tell receivers to.
func (r *hookReceiver) verify(c hookCall) error {
	mac := hmac.New(sha256.New, []byte(r.secret))
	mac.Write([]byte(c.Timestamp + "." + string(c.Body)))
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(c.Sign)) {
		return errors.New("signature does not match")
	}
	ts, err := strconv.ParseInt(c.Timestamp, 10, 64)
	if err != nil || time.Since(time.Unix(ts, 0)).Abs() > 5*time.Minute {
		return errors.New("timestamp missing or not recent")
	}
	return nil
}

func TestOneClickUnsubscribeFromLinkToLedgerSubscriptionAndWebhook(t *testing.T) {
	f := newFixture(t)
	erika := f.subscriber(t, "Erika", "Mustermann")
	max := f.subscriber(t, "Max", "Mustermann")

	hooks, hookSrv := newHookReceiver(t, "whsec-0123456789abcdef", 2)
	var created struct{ CreateWebhook struct{ ID string } }
	f.MustAdmin(t, &created, `mutation($u: String!) { createWebhook(input: {url: $u, kinds: [CONSENT_REVOKED], secret: "whsec-0123456789abcdef"}) { id } }`,
		map[string]any{"u": hookSrv.URL + "/hooks/vermerk"})

	ws, err := gqlws.Dial(t.Context(), f.WSURL(), apptest.AdminToken, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if err := ws.Subscribe(t.Context(), "1", `subscription($after: String) { revocations(after: $after) { cursor kind contactId channel purpose { key } } }`,
		map[string]any{"after": f.Cursor(t)}); err != nil {
		t.Fatal(err)
	}

	// Newsletter software: addresses and links in one query.
	before := f.recipients(t)
	link := before[erika].UnsubscribeURL
	if !strings.HasPrefix(link, f.Config.PublicURL+"/unsubscribe/") {
		t.Fatalf("unsubscribeURL %q is not under the public URL %s", link, f.Config.PublicURL)
	}
	if strings.Contains(link, erika) || strings.Contains(strings.ToLower(link), "erika") {
		t.Fatalf("link %q shows who it belongs to", link)
	}
	if got := f.link(t, erika); got != link {
		t.Errorf("unsubscribeLink = %q, Contact.unsubscribeURL = %q; want the same", got, link)
	}
	if before[max].UnsubscribeURL == link {
		t.Fatal("two people got the same link")
	}

	// GET: the confirmation page, and nothing changes (mail scanners follow links).
	for range 2 {
		page := get(t, link)
		if page.Status != http.StatusOK || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("GET: %d %s", page.Status, page.Header.Get("Content-Type"))
		}
		for _, want := range []string{`method="post"`, `name="List-Unsubscribe" value="One-Click"`, "Newsletter Deutschland", "abmelden", "Unsubscribe", `lang="en"`} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("GET page lacks %q", want)
			}
		}
		for _, bad := range []string{"erika", "Erika", "http://", "https://", "<script", "<img", "<link"} {
			if strings.Contains(page.Body, bad) {
				t.Errorf("GET page contains %q (personal data or an external asset)", bad)
			}
		}
		checkSecurityHeaders(t, page)
	}
	if _, ok := f.recipients(t)[erika]; !ok {
		t.Fatal("GET removed the person from the recipients")
	}
	if l := f.ledger(t, erika); len(l) != 1 || l[0].Status != "GRANTED" {
		t.Fatalf("GET changed the ledger: %+v", l)
	}

	// POST, RFC 8058 one-click: 200 after the commit.
	done := postForm(t, link, oneClick)
	if done.Status != http.StatusOK || !strings.Contains(done.Body, "Sie sind abgemeldet") || !strings.Contains(done.Body, "You are unsubscribed") {
		t.Fatalf("POST: %d %s", done.Status, done.Body)
	}
	checkSecurityHeaders(t, done)
	after := f.recipients(t)
	if _, ok := after[erika]; ok {
		t.Fatal("after the one-click POST the person is still a recipient")
	}
	if _, ok := after[max]; !ok {
		t.Fatal("another subscriber was removed too")
	}
	l := f.ledger(t, erika)
	if last := l[len(l)-1]; len(l) != 2 || last.Status != "REVOKED" || last.Source != unsubscribe.Channel {
		t.Fatalf("ledger after unsubscribing: %+v; want the grant, then REVOKED from %q", l, unsubscribe.Channel)
	}

	// Idempotent: a second POST answers 200 and changes nothing.
	again := postForm(t, link, oneClick)
	if again.Status != http.StatusOK || !strings.Contains(again.Body, "bereits abgemeldet") {
		t.Fatalf("second POST: %d %s", again.Status, again.Body)
	}
	if n := len(f.ledger(t, erika)); n != 2 {
		t.Fatalf("second POST wrote the ledger again: %d entries", n)
	}

	// The revocations subscription sees it, with the channel.
	msg, err := ws.Read(ctxTimeout(t, 10*time.Second))
	if err != nil {
		t.Fatalf("revocations subscription: %v", err)
	}
	var rev struct {
		Data struct {
			Revocations struct {
				Cursor, Kind, ContactID, Channel string
				Purpose                          struct{ Key string }
			}
		}
	}
	if err := json.Unmarshal(msg.Payload, &rev); err != nil || msg.Type != "next" {
		t.Fatalf("subscription message %s %s", msg.Type, msg.Payload)
	}
	if r := rev.Data.Revocations; r.Kind != "CONSENT_REVOKED" || r.ContactID != erika || r.Channel != unsubscribe.Channel || r.Purpose.Key != "newsletter" {
		t.Fatalf("revocation event %+v", r)
	}

	// The webhook fails twice with 500, then gets it; every attempt is signed.
	var call hookCall
	select {
	case call = <-hooks.got:
	case <-time.After(30 * time.Second):
		t.Fatalf("webhook not delivered within 30 s; calls so far: %d", len(hooks.calls))
	}
	hooks.mu.Lock()
	calls := append([]hookCall(nil), hooks.calls...)
	hooks.mu.Unlock()
	if len(calls) != 3 {
		t.Fatalf("webhook received %d calls, want 3 (two failures, then success)", len(calls))
	}
	for i, c := range calls {
		if err := hooks.verify(c); err != nil {
			t.Errorf("call %d: %v", i+1, err)
		}
		if string(c.Body) != string(call.Body) {
			t.Errorf("call %d body %s differs from the delivered %s", i+1, c.Body, call.Body)
		}
	}
	var payload map[string]any
	if err := json.Unmarshal(call.Body, &payload); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"id": rev.Data.Revocations.Cursor, "kind": "CONSENT_REVOKED", "contactId": erika,
		"purposeKey": "newsletter", "channel": unsubscribe.Channel}
	for k, v := range want {
		if payload[k] != v {
			t.Errorf("payload %s = %v, want %v (payload %s)", k, payload[k], v, call.Body)
		}
	}
	if at, _ := payload["at"].(string); at == "" {
		t.Errorf("payload has no time: %s", call.Body)
	}
	if bytes.Contains(call.Body, []byte("example.org")) || bytes.Contains(call.Body, []byte("Mustermann")) {
		t.Errorf("payload carries personal data: %s", call.Body)
	}

	var log struct {
		WebhookDeliveries []struct {
			WebhookID, EventCursor, Kind, Status string
			Attempts                             int
			LastError                            *string
			DeliveredAt                          *string
		}
	}
	// The endpoint answered; the worker records that right after.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		f.MustAdmin(t, &log, `query($w: ID) { webhookDeliveries(webhookId: $w, first: 10) { webhookId eventCursor kind status attempts lastError deliveredAt } }`,
			map[string]any{"w": created.CreateWebhook.ID})
		if len(log.WebhookDeliveries) != 1 || log.WebhookDeliveries[0].Status != "PENDING" || time.Now().After(deadline) {
			break
		}
	}
	if len(log.WebhookDeliveries) != 1 {
		t.Fatalf("delivery log: %+v; want one delivery", log.WebhookDeliveries)
	}
	d := log.WebhookDeliveries[0]
	if d.Status != "DELIVERED" || d.Attempts != 3 || d.DeliveredAt == nil || d.EventCursor != rev.Data.Revocations.Cursor {
		t.Errorf("delivery %+v; want DELIVERED after 3 attempts for event %s", d, rev.Data.Revocations.Cursor)
	}
	if d.LastError == nil || !strings.Contains(*d.LastError, "500") {
		t.Errorf("lastError = %v; want the last failure (HTTP 500) kept", d.LastError)
	}
}

func TestMultipartOneClickUnsubscribes(t *testing.T) {
	f := newFixture(t)
	erika := f.subscriber(t, "Erika", "Mustermann")
	link := f.link(t, erika)
	res := postMultipart(t, link)
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "Sie sind abgemeldet") {
		t.Fatalf("multipart POST: %d %s", res.Status, res.Body)
	}
	if _, ok := f.recipients(t)[erika]; ok {
		t.Fatal("still a recipient after the multipart one-click POST")
	}
	if res := postMultipart(t, link); res.Status != http.StatusOK || !strings.Contains(res.Body, "already unsubscribed") {
		t.Fatalf("second multipart POST: %d %s", res.Status, res.Body)
	}
}

func TestRefusedRequestsChangeNothing(t *testing.T) {
	f := newFixture(t)
	erika := f.subscriber(t, "Erika", "Mustermann")
	link := f.link(t, erika)
	base, token, _ := strings.Cut(link, "/unsubscribe/")
	base += "/unsubscribe/"
	flip := func(i int) string {
		c := byte('A')
		if token[i] == 'A' {
			c = 'B'
		}
		return token[:i] + string(c) + token[i+1:]
	}
	// Signed with another server's key, for the same contact and list.
	other, _ := unsubscribe.NewSigner(bytes.Repeat([]byte{7}, 32))
	foreign, _ := other.Sign(erika, listID(t, f))

	forged := []struct{ name, token string }{
		{"first character altered", flip(0)},
		{"contact part altered", flip(10)},
		{"signature altered", flip(len(token) - 2)},
		{"truncated", token[:len(token)-4]},
		{"extended", token + "AAAA"},
		{"signed with another key", foreign},
		{"garbage", "not-a-token"},
		{"empty", ""},
		{"path traversal", "..%2F..%2Fgraphql"},
	}
	for _, tc := range forged {
		t.Run(tc.name, func(t *testing.T) {
			g := get(t, base+tc.token)
			if g.Status != http.StatusNotFound || !strings.Contains(g.Body, "nicht gültig") || !strings.Contains(g.Body, "not valid") {
				t.Errorf("GET: %d %s; want 404 'link not valid'", g.Status, g.Body)
			}
			for _, p := range []answer{postForm(t, base+tc.token, oneClick), postMultipart(t, base+tc.token)} {
				if p.Status != http.StatusNotFound {
					t.Errorf("POST: %d; want 404", p.Status)
				}
			}
		})
	}
	t.Run("POST without List-Unsubscribe=One-Click", func(t *testing.T) {
		for _, form := range []url.Values{{}, {"List-Unsubscribe": {"yes"}}} {
			if p := postForm(t, link, form); p.Status != http.StatusBadRequest {
				t.Errorf("POST %q: %d; want 400", form.Encode(), p.Status)
			}
		}
		req, _ := http.NewRequest(http.MethodPost, link, strings.NewReader(`{"List-Unsubscribe":"One-Click"}`))
		req.Header.Set("Content-Type", "application/json")
		if p := do(t, req); p.Status != http.StatusBadRequest {
			t.Errorf("POST JSON: %d; want 400", p.Status)
		}
	})
	t.Run("other methods", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodDelete, link, nil)
		if p := do(t, req); p.Status != http.StatusMethodNotAllowed || p.Header.Get("Allow") == "" {
			t.Errorf("DELETE: %d Allow=%q; want 405 with Allow", p.Status, p.Header.Get("Allow"))
		}
	})
	if _, ok := f.recipients(t)[erika]; !ok {
		t.Fatal("a refused request removed the person from the recipients")
	}
	if l := f.ledger(t, erika); len(l) != 1 || l[0].Status != "GRANTED" {
		t.Fatalf("a refused request changed the ledger: %+v", l)
	}
}

// listID returns the id of the list news-de.
func listID(t *testing.T, f fixture) string {
	t.Helper()
	var out struct{ Lists []struct{ ID, Key string } }
	f.MustAdmin(t, &out, `{ lists { id key } }`, nil)
	for _, l := range out.Lists {
		if l.Key == "news-de" {
			return l.ID
		}
	}
	t.Fatal("list news-de not found")
	return ""
}

func TestErasedContactsLinkAnswersLikeAnyOther(t *testing.T) {
	f := newFixture(t)
	erika := f.subscriber(t, "Erika", "Mustermann")
	link := f.link(t, erika)
	f.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { eraseContact(id: $c, reason: "Art. 17 request") { contactId } }`, map[string]any{"c": erika})
	if g := get(t, link); g.Status != http.StatusOK {
		t.Errorf("GET after erasure: %d; want the normal page", g.Status)
	}
	p := postForm(t, link, oneClick)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "abgemeldet") {
		t.Fatalf("POST after erasure: %d %s; want 200 with a confirmation", p.Status, p.Body)
	}
}

func TestIntegratorGetsLinksOnlyForListsOfItsPurposes(t *testing.T) {
	f := newFixture(t)
	erika := f.subscriber(t, "Erika", "Mustermann")
	var tok struct{ CreateApiToken struct{ Secret string } }
	f.MustAdmin(t, &tok, `mutation { createApiToken(name: "mailer", role: INTEGRATOR, purposeKeys: ["newsletter"]) { secret } }`, nil)
	q := `query($c: ID!, $l: String!) { unsubscribeLink(contactId: $c, listKey: $l) }`
	ok := f.Do(t, tok.CreateApiToken.Secret, q, map[string]any{"c": erika, "l": "news-de"})
	var out struct{ UnsubscribeLink string }
	ok.Decode(t, &out)
	if out.UnsubscribeLink != f.link(t, erika) {
		t.Errorf("integrator link %q differs from the admin's", out.UnsubscribeLink)
	}
	cases := []struct{ name, contact, list, code, field string }{
		{"list of another purpose", erika, "calls-q3", "FORBIDDEN", ""},
		{"unknown list", erika, "no-such-list", "BAD_USER_INPUT", "listKey"},
		{"malformed contact id", "erika", "news-de", "BAD_USER_INPUT", "contactId"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := f.Do(t, tok.CreateApiToken.Secret, q, map[string]any{"c": tc.contact, "l": tc.list})
			if len(res.Errors) != 1 || res.Errors[0].Code() != tc.code || (tc.field != "" && res.Errors[0].Field() != tc.field) {
				t.Fatalf("errors %+v; want one %s (field %q)", res.Errors, tc.code, tc.field)
			}
		})
	}
}

func TestDatabaseDownAnswers503AndCommitsNothing(t *testing.T) {
	f := newFixture(t)
	erika := f.subscriber(t, "Erika", "Mustermann")
	link := f.link(t, erika)
	var tok struct{ CreateApiToken struct{ Secret string } } // not used yet, so no instance knows it
	f.MustAdmin(t, &tok, `mutation { createApiToken(name: "mailer", role: INTEGRATOR, purposeKeys: ["newsletter"]) { secret } }`, nil)
	cluster := pgtest.Cluster(t)
	if err := cluster.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	// GraphQL with a token that cannot be checked now: 503, and a code that says "send it again".
	if r := f.Do(t, tok.CreateApiToken.Secret, `{ purposes { key } }`, nil); r.Status != http.StatusServiceUnavailable ||
		len(r.Errors) != 1 || r.Errors[0].Code() != "UNAVAILABLE" {
		t.Errorf("GraphQL with the database down: %d %+v; want 503 UNAVAILABLE", r.Status, r.Errors)
	}
	for _, p := range []answer{postForm(t, link, oneClick), postMultipart(t, link)} {
		if p.Status != http.StatusServiceUnavailable || p.Header.Get("Retry-After") == "" {
			t.Errorf("POST with the database down: %d Retry-After=%q; want 503 with Retry-After", p.Status, p.Header.Get("Retry-After"))
		}
		if strings.Contains(p.Body, "abgemeldet") {
			t.Errorf("503 page claims success: %s", p.Body)
		}
	}
	if err := cluster.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	// The pool drops connections the restart broke as it uses them.
	for i := 0; len(f.Admin(t, `{ purposes { key } }`, nil).Errors) > 0; i++ {
		if i == 50 {
			t.Fatal("GraphQL does not recover after the database restart")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, ok := f.recipients(t)[erika]; !ok {
		t.Fatal("the person was removed although the POST failed")
	}
	// Once the database is back, the retry the 503 asked for works.
	deadline := time.Now().Add(15 * time.Second)
	for {
		p := postForm(t, link, oneClick)
		if p.Status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("POST after the restart: %d", p.Status)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if _, ok := f.recipients(t)[erika]; ok {
		t.Fatal("still a recipient after the retried POST")
	}
}

func TestRequestsAreRateLimitedPerClientAddress(t *testing.T) {
	f := newFixture(t)
	erika := f.subscriber(t, "Erika", "Mustermann")
	link := f.link(t, erika)
	var limited *answer
	for i := 0; i < 300 && limited == nil; i++ {
		if a := get(t, link); a.Status == http.StatusTooManyRequests {
			limited = &a
		} else if a.Status != http.StatusOK {
			t.Fatalf("GET %d: %d", i, a.Status)
		}
	}
	if limited == nil {
		t.Fatal("300 GETs in a row from one address were never refused")
	}
	if s, err := strconv.Atoi(limited.Header.Get("Retry-After")); err != nil || s < 1 {
		t.Errorf("429 Retry-After = %q; want seconds", limited.Header.Get("Retry-After"))
	}
	// Her page views are limited, her "no" is not: the 429 page still has the button, and its
	// POST of her valid link counts against the link, not the address (a NAT of many people).
	if !strings.Contains(limited.Body, `name="List-Unsubscribe" value="One-Click"`) {
		t.Errorf("the 429 page of a valid link has no unsubscribe button:\n%s", limited.Body)
	}
	if p := postForm(t, link, oneClick); p.Status != http.StatusOK {
		t.Errorf("POST of the valid link right after: %d; want 200", p.Status)
	}
	if _, ok := f.recipients(t)[erika]; ok {
		t.Fatal("still a recipient after the POST")
	}
}

// getFrom sends GET link as a reverse proxy would for the client at addr.
func getFrom(t *testing.T, link, addr string) answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, link, nil)
	req.Header.Set("X-Forwarded-For", addr)
	return do(t, req)
}

// Behind a trusted reverse proxy (VERMERK_TRUSTED_PROXIES), the limit counts the clients the
// proxy names, not the proxy: one client used up does not lock out the next.
func TestRateLimitBehindATrustedProxy(t *testing.T) {
	f := newFixture(t, func(c *config.Config) { c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")} })
	link := f.link(t, f.subscriber(t, "Erika", "Mustermann"))
	limited := false
	for i := 0; i < 300 && !limited; i++ {
		limited = getFrom(t, link, "198.51.100.1").Status == http.StatusTooManyRequests
	}
	if !limited {
		t.Fatal("300 GETs in a row from one client behind the proxy were never refused")
	}
	since := time.Now()
	if a := getFrom(t, link, "198.51.100.2"); a.Status != http.StatusOK {
		t.Fatalf("another client behind the same proxy: %d, want 200", a.Status)
	}
	// The limited client stays limited: it gets no more pages than its allowance refilled since
	// (pageViewsPerSecond; on a busy machine the other client's page may take longer than one
	// refill), then a 429 again.
	for served := 0; ; served++ {
		a := getFrom(t, link, "198.51.100.1")
		if a.Status == http.StatusTooManyRequests {
			break
		}
		if a.Status != http.StatusOK || float64(served) > time.Since(since).Seconds()*pageViewsPerSecond+1 {
			t.Fatalf("the limited client again: %d after %d pages in %s, want 429 once its refill is used", a.Status, served, time.Since(since))
		}
	}
}

// pageViewsPerSecond is the unsubscribe page's default refill per client address
// (NewHandler: 10 a second, bursts of 50).
const pageViewsPerSecond = 10

// Without trusted proxies a client cannot escape the limit by naming another address.
func TestRateLimitIgnoresForwardedForFromUntrustedPeers(t *testing.T) {
	f := newFixture(t)
	link := f.link(t, f.subscriber(t, "Erika", "Mustermann"))
	limited := false
	for i := 0; i < 300 && !limited; i++ {
		limited = getFrom(t, link, fmt.Sprintf("198.51.100.%d", i%250+1)).Status == http.StatusTooManyRequests
	}
	if !limited {
		t.Fatal("300 GETs from one peer naming different addresses were never refused")
	}
}

func checkSecurityHeaders(t *testing.T, a answer) {
	t.Helper()
	csp := a.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if a.Header.Get("X-Content-Type-Options") != "nosniff" || a.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("headers %v; want nosniff and no-referrer", a.Header)
	}
	if a.Header.Get("Set-Cookie") != "" {
		t.Error("the unsubscribe endpoint sets a cookie")
	}
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// A link sent before a key rotation keeps working on an instance that has the old key in
// VERMERK_OLD_SECRET_KEYS (the links' keys are derived from every key of the keyring), and
// not on one that dropped it.
func TestLinkSurvivesKeyRotation(t *testing.T) {
	f := newFixture(t)
	link := f.link(t, f.subscriber(t, "Rota", "Tionstest"))
	old := f.Config.SecretKey
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	fresh := base64.StdEncoding.EncodeToString(raw[:])
	on := func(s *apptest.Server) string { // the link as the instance s serves it
		u, err := url.Parse(link)
		if err != nil {
			t.Fatal(err)
		}
		u.Host = strings.TrimPrefix(s.URL, "http://")
		return u.String()
	}

	rotated := apptest.StartOn(t, f.DBURL, func(c *config.Config) { c.SecretKey, c.OldSecretKeys = fresh, []string{old} })
	if page := get(t, on(rotated)); page.Status != http.StatusOK || !strings.Contains(page.Body, `name="List-Unsubscribe" value="One-Click"`) {
		t.Fatalf("after the rotation, with the old key kept: GET %d", page.Status)
	}
	dropped := apptest.StartOn(t, f.DBURL, func(c *config.Config) { c.SecretKey = fresh })
	if page := get(t, on(dropped)); page.Status != http.StatusNotFound {
		t.Errorf("with the old key dropped: GET %d, want 404 (a link nobody signed)", page.Status)
	}
}
