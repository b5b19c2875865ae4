package signup_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/apptest/gqlws"
	"github.com/vermerk/vermerk/server/internal/config"
	"github.com/vermerk/vermerk/server/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// fixture is a server with a newsletter (list news-de, consent text v1) and sales calls, and
// an integrator token bound to the newsletter only.
type fixture struct {
	*apptest.Server
	shop string // the integrator's bearer secret
}

func newFixture(t *testing.T, opts ...apptest.Option) fixture {
	t.Helper()
	f := fixture{Server: apptest.Start(t, opts...)}
	for _, p := range [][2]string{{"newsletter", "Newsletter"}, {"sales-calls", "Sales calls"}} {
		f.must(t, `mutation($in: PurposeInput!) { createPurpose(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"key": p[0], "name": p[1], "legalBasis": "CONSENT"}})
	}
	f.must(t, `mutation { createList(input: {key: "news-de", name: "Newsletter Deutschland", purposeKey: "newsletter"}) { id } }`, nil)
	f.must(t, `mutation { addConsentText(purposeKey: "newsletter", text: "Ja, ich möchte den Newsletter per E-Mail erhalten.") { version } }`, nil)
	var tok struct {
		CreateApiToken struct{ Secret string }
	}
	f.MustAdmin(t, &tok, `mutation { createApiToken(name: "web shop", role: INTEGRATOR, purposeKeys: ["newsletter"]) { secret } }`, nil)
	f.shop = tok.CreateApiToken.Secret
	return f
}

// must runs an admin request whose answer does not matter, failing on any error.
func (f fixture) must(t *testing.T, query string, vars map[string]any) {
	t.Helper()
	var out map[string]any
	f.MustAdmin(t, &out, query, vars)
}

type signUpOut struct {
	ID, Status, ConfirmURL, ExpiresAt string
}

func (f fixture) signUp(t *testing.T, in map[string]any) (signUpOut, *apptest.Result) {
	t.Helper()
	res := f.Do(t, f.shop, `mutation($in: SignUpInput!) { signUp(input: $in) { id status confirmURL expiresAt } }`, map[string]any{"in": in})
	var out struct{ SignUp signUpOut }
	if len(res.Errors) == 0 {
		res.Decode(t, &out)
	}
	return out.SignUp, res
}

func (f fixture) mustSignUp(t *testing.T, email string) signUpOut {
	t.Helper()
	s, res := f.signUp(t, map[string]any{"email": email, "givenName": "Erika", "familyName": "Mustermann",
		"purposeKey": "newsletter", "listKey": "news-de", "ip": "203.0.113.7", "userAgent": "Mozilla/5.0 (Fensterbrett)", "source": "web-form-footer"})
	if len(res.Errors) > 0 {
		t.Fatalf("signUp(%s): %+v", email, res.Errors)
	}
	return s
}

func page(t *testing.T, method, link, lang string, form url.Values) (int, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, link, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept-Language", lang)
	req.Header.Set("User-Agent", "Mozilla/5.0 (Küchentisch)")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var confirmForm = url.Values{"confirm": {"yes"}}

type contactOut struct {
	ID     string
	Emails []string
	Lists  []struct{ Key string }
}

// contactsByEmail are the contacts a search for the address finds.
func (f fixture) contactsByEmail(t *testing.T, email string) []contactOut {
	t.Helper()
	var out struct {
		Contacts struct{ Edges []struct{ Node contactOut } }
	}
	f.MustAdmin(t, &out, `query($s: String) { contacts(search: $s, first: 10) { edges { node { id emails lists { key } } } } }`, map[string]any{"s": email})
	var cs []contactOut
	for _, e := range out.Contacts.Edges {
		cs = append(cs, e.Node)
	}
	return cs
}

func (f fixture) recipients(t *testing.T) []string {
	t.Helper()
	var out struct {
		Recipients struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	if res := f.Do(t, f.shop, `{ recipients(listKey: "news-de", first: 50) { edges { node { id } } } }`, nil); len(res.Errors) > 0 {
		t.Fatalf("recipients: %+v", res.Errors)
	} else {
		res.Decode(t, &out)
	}
	var ids []string
	for _, e := range out.Recipients.Edges {
		ids = append(ids, e.Node.ID)
	}
	return ids
}

func TestDoubleOptInFromSignUpToRecipientWithProof(t *testing.T) {
	f := newFixture(t)
	s := f.mustSignUp(t, "Erika.Mustermann@example.com")
	if s.Status != "PENDING" || !strings.HasPrefix(s.ConfirmURL, f.URL+"/confirm/") || s.ExpiresAt == "" {
		t.Fatalf("signUp = %+v", s)
	}
	if cs := f.contactsByEmail(t, "mustermann"); len(cs) != 0 {
		t.Fatalf("a pending sign-up is no contact yet: %+v", cs)
	}

	// Mail scanners open links: GET shows the page (in the asked language) and changes nothing.
	for _, c := range []struct{ lang, want, not string }{
		{"de-DE,de;q=0.9,en;q=0.8", "Bitte bestätigen Sie Ihre Anmeldung", "Please confirm"},
		{"en-GB,en;q=0.9", "Please confirm your sign-up", "Bitte bestätigen"},
		{"fr", "Bitte bestätigen Sie Ihre Anmeldung", "Please confirm"},
	} {
		code, body := page(t, http.MethodGet, s.ConfirmURL, c.lang, nil)
		if code != http.StatusOK || !strings.Contains(body, c.want) || strings.Contains(body, c.not) {
			t.Fatalf("GET (%s): %d\n%s", c.lang, code, body)
		}
		if !strings.Contains(body, "E…n@e…e.com") || strings.Contains(body, "Mustermann") || strings.Contains(body, "Erika") ||
			!strings.Contains(body, "Ja, ich möchte den Newsletter per E-Mail erhalten.") {
			t.Fatalf("GET shows the masked address and the text, no more of the person:\n%s", body)
		}
	}
	if cs := f.contactsByEmail(t, "mustermann"); len(cs) != 0 {
		t.Fatalf("GET created a contact: %+v", cs)
	}
	if code, _ := page(t, http.MethodPost, s.ConfirmURL, "de", url.Values{}); code != http.StatusBadRequest {
		t.Fatalf("POST without confirm=yes: %d", code)
	}

	code, body := page(t, http.MethodPost, s.ConfirmURL, "de", confirmForm)
	if code != http.StatusOK || !strings.Contains(body, "Ihre Anmeldung ist bestätigt") {
		t.Fatalf("POST: %d\n%s", code, body)
	}
	cs := f.contactsByEmail(t, "mustermann")
	if len(cs) != 1 || len(cs[0].Lists) != 1 || cs[0].Lists[0].Key != "news-de" {
		t.Fatalf("after confirmation one contact on news-de: %+v", cs)
	}
	if r := f.recipients(t); len(r) != 1 || r[0] != cs[0].ID {
		t.Fatalf("recipients = %v, want the confirmed person", r)
	}

	var proof struct {
		ConsentProof []struct {
			Status, Source, RecordedBy string
			Evidence                   string
			ConsentText                *struct {
				Version int
				Text    string
			}
		}
	}
	f.MustAdmin(t, &proof, `query($id: ID!) { consentProof(contactId: $id) { status source recordedBy evidence consentText { version text } } }`,
		map[string]any{"id": cs[0].ID})
	if len(proof.ConsentProof) != 1 {
		t.Fatalf("proof: %+v", proof)
	}
	ev := proof.ConsentProof[0]
	if ev.Status != "GRANTED" || ev.Source != "web-form-footer" || ev.RecordedBy != "web shop" ||
		ev.ConsentText == nil || ev.ConsentText.Version != 1 {
		t.Fatalf("proof event: %+v", ev)
	}
	var evidence struct {
		Method       string
		SignUp       struct{ At, IP, UserAgent, Source string }
		Confirmation struct{ At, IP, UserAgent string }
	}
	if err := json.Unmarshal([]byte(ev.Evidence), &evidence); err != nil {
		t.Fatalf("evidence %q: %v", ev.Evidence, err)
	}
	if evidence.Method != "double-opt-in" || evidence.SignUp.IP != "203.0.113.7" || evidence.SignUp.UserAgent != "Mozilla/5.0 (Fensterbrett)" ||
		evidence.SignUp.At == "" || evidence.Confirmation.IP != "127.0.0.1" || evidence.Confirmation.UserAgent != "Mozilla/5.0 (Küchentisch)" ||
		evidence.Confirmation.At == "" {
		t.Fatalf("evidence of both steps: %s", ev.Evidence)
	}

	// Confirming again is harmless: the page says so, nothing is added.
	code, body = page(t, http.MethodPost, s.ConfirmURL, "en", confirmForm)
	if code != http.StatusOK || !strings.Contains(body, "confirmed already") {
		t.Fatalf("second POST: %d\n%s", code, body)
	}
	code, body = page(t, http.MethodGet, s.ConfirmURL, "en", nil)
	if code != http.StatusOK || !strings.Contains(body, "confirmed already") || strings.Contains(body, "E…n@") {
		t.Fatalf("GET after confirmation: %d\n%s", code, body)
	}
	f.MustAdmin(t, &proof, `query($id: ID!) { consentProof(contactId: $id) { status source recordedBy evidence consentText { version text } } }`,
		map[string]any{"id": cs[0].ID})
	if len(proof.ConsentProof) != 1 {
		t.Fatalf("a repeated confirmation added to the ledger: %+v", proof)
	}
	if code, _ := page(t, http.MethodGet, s.ConfirmURL+"x", "de", nil); code != http.StatusNotFound {
		t.Fatalf("an altered link: %d", code)
	}
}

func TestSignUpOutsideTheTokensPurposeIsForbidden(t *testing.T) {
	f := newFixture(t)
	_, res := f.signUp(t, map[string]any{"email": "max.muster@example.com", "purposeKey": "sales-calls", "source": "web-form"})
	if codes := res.ErrorCodes(); len(codes) != 1 || codes[0] != "FORBIDDEN" {
		t.Fatalf("sign-up for sales-calls with a newsletter token: %+v", res.Errors)
	}
	for _, c := range []struct {
		name, field, reason string
		in                  map[string]any
	}{
		{"bad e-mail", "input.email", "EMAIL_INVALID", map[string]any{"email": "max.muster@", "purposeKey": "newsletter", "source": "web-form"}},
		{"unknown text", "input.consentTextVersion", "CONSENT_TEXT_UNKNOWN", map[string]any{"email": "max.muster@example.com", "purposeKey": "newsletter", "source": "web-form", "consentTextVersion": 7}},
		{"bad ip", "input.ip", "IP_INVALID", map[string]any{"email": "max.muster@example.com", "purposeKey": "newsletter", "source": "web-form", "ip": "300.1.2.3"}},
		{"no source", "input.source", "REQUIRED", map[string]any{"email": "max.muster@example.com", "purposeKey": "newsletter", "source": " "}},
	} {
		_, res := f.signUp(t, c.in)
		if len(res.Errors) != 1 || res.Errors[0].Field() != c.field || res.Errors[0].Extensions["reason"] != c.reason {
			t.Errorf("%s: %+v", c.name, res.Errors)
		}
	}
}

func TestAnotherSpellingOfTheAddressIsTheSamePerson(t *testing.T) {
	f := newFixture(t)
	first := f.mustSignUp(t, "erika.mustermann@gmail.com")
	again := f.mustSignUp(t, "Erika.Mustermann+news@GMAIL.com")
	if again.ID != first.ID {
		t.Fatalf("a repeated pending sign-up in another spelling is a new one: %s, %s", first.ID, again.ID)
	}
	page(t, http.MethodPost, first.ConfirmURL, "de", confirmForm)
	// After confirmation, another sign-up (dots, case, tag) confirms onto the same contact.
	third := f.mustSignUp(t, "ErikaMustermann+shop@googlemail.com")
	if third.ID == first.ID {
		t.Fatal("a sign-up after confirmation must be a new one")
	}
	if code, _ := page(t, http.MethodPost, third.ConfirmURL, "de", confirmForm); code != http.StatusOK {
		t.Fatalf("POST: %d", code)
	}
	if cs := f.contactsByEmail(t, "erika"); len(cs) != 1 {
		t.Fatalf("contacts for the address in three spellings: %+v", cs)
	}
	if r := f.recipients(t); len(r) != 1 {
		t.Fatalf("recipients: %v", r)
	}
}

func TestBlacklistedPersonIsAddedOnlyByTheirOwnConfirmation(t *testing.T) {
	f := newFixture(t)
	f.must(t, `mutation { blacklistAdd(candidate: {emails: ["max.muster@example.com"]}, reason: "objected by letter") { id } }`, nil)

	s := f.mustSignUp(t, "Max.Muster+news@example.com")
	if s.Status != "PENDING" {
		t.Fatalf("the sign-up answers like any other: %+v", s)
	}
	var n int
	if err := f.App.DB.Pool.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM contacts) + (SELECT count(*) FROM consent_events)`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("before confirmation nothing but the pending sign-up is stored: %d rows (%v)", n, err)
	}
	code, body := page(t, http.MethodGet, s.ConfirmURL, "de", nil)
	if code != http.StatusOK || !strings.Contains(body, "M…s@e…e.com") {
		t.Fatalf("GET: %d\n%s", code, body)
	}
	if code, _ := page(t, http.MethodPost, s.ConfirmURL, "de", confirmForm); code != http.StatusOK {
		t.Fatalf("POST: %d", code)
	}
	cs := f.contactsByEmail(t, "max.muster")
	if len(cs) != 1 {
		t.Fatalf("the person confirmed: one contact, got %+v", cs)
	}
	if r := f.recipients(t); len(r) != 1 {
		t.Fatalf("recipients: %v", r)
	}

	var audit struct {
		AuditTrail struct {
			Edges []struct {
				Node struct{ ActorName, Operation, Outcome string }
			}
		}
	}
	f.MustAdmin(t, &audit, `query($c: ID) { auditTrail(contactId: $c, first: 20) { edges { node { actorName operation outcome } } } }`,
		map[string]any{"c": cs[0].ID})
	found := false
	for _, e := range audit.AuditTrail.Edges {
		if e.Node.Operation == "confirmSignUp" && e.Node.ActorName == "confirmed by the person" && strings.HasPrefix(e.Node.Outcome, "re-entry") {
			found = true
		}
	}
	if !found {
		t.Fatalf("the re-entry is audited: %+v", audit)
	}
	var scr struct {
		Screen struct{ Blocked bool }
	}
	f.MustAdmin(t, &scr, `{ screen(candidate: {emails: ["max.muster@example.com"]}) { blocked } }`, nil)
	if scr.Screen.Blocked {
		t.Fatal("the entry the person's address matched still blocks them")
	}

	// The admin feed (revocations subscription, replayed from the start) shows the re-entry.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	ws, err := gqlws.Dial(ctx, f.WSURL(), apptest.AdminToken, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if err := ws.Subscribe(ctx, "1", `subscription { revocations(after: "0") { kind contactId channel purpose { key } } }`, nil); err != nil {
		t.Fatal(err)
	}
	msg, err := ws.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var next struct {
		Data struct {
			Revocations struct {
				Kind, ContactID, Channel string
				Purpose                  struct{ Key string }
			}
		}
	}
	if err := json.Unmarshal(msg.Payload, &next); err != nil || len(msg.Errors()) > 0 {
		t.Fatalf("feed message %s: %v %+v", msg.Payload, err, msg.Errors())
	}
	if r := next.Data.Revocations; r.Kind != "CONTACT_REENTERED" || r.ContactID != cs[0].ID || r.Channel != "double-opt-in" || r.Purpose.Key != "newsletter" {
		t.Fatalf("the admin feed shows the re-entry: %s", msg.Payload)
	}
}

func TestSignUpsPerAddressAreLimited(t *testing.T) {
	f := newFixture(t)
	var limited bool
	for i := range 8 {
		_, res := f.signUp(t, map[string]any{"email": "erika.mustermann@example.com", "purposeKey": "newsletter", "source": "web-form"})
		if codes := res.ErrorCodes(); len(codes) == 1 && codes[0] == "RATE_LIMITED" {
			limited = i >= 5
			break
		}
	}
	if !limited {
		t.Fatal("the sixth sign-up of one address within an hour must be refused, not earlier")
	}
	if _, res := f.signUp(t, map[string]any{"email": "max.muster@example.com", "purposeKey": "newsletter", "source": "web-form"}); len(res.Errors) > 0 {
		t.Fatalf("another address is not limited: %+v", res.Errors)
	}
}

func TestExpiredSignUpsAreDeletedWithWhatTheyHold(t *testing.T) {
	f := newFixture(t)
	old := f.mustSignUp(t, "erika.mustermann@example.com")
	other := f.mustSignUp(t, "max.muster@example.com")
	if _, err := f.App.DB.Pool.Exec(t.Context(), `UPDATE sign_ups SET expires_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	if code, body := page(t, http.MethodGet, old.ConfirmURL, "en", nil); code != http.StatusGone || !strings.Contains(body, "expired") || strings.Contains(body, "E…") {
		t.Fatalf("GET of an expired link: %d\n%s", code, body)
	}
	if code, _ := page(t, http.MethodPost, old.ConfirmURL, "en", confirmForm); code != http.StatusGone {
		t.Fatalf("POST of an expired link: %d", code)
	}
	if cs := f.contactsByEmail(t, "mustermann"); len(cs) != 0 {
		t.Fatalf("an expired sign-up made a contact: %+v", cs)
	}
	// The next sign-up (of anyone) deletes what expired; the person can sign up anew.
	fresh := f.mustSignUp(t, "erika.mustermann@example.com")
	if fresh.ID == old.ID {
		t.Fatal("an expired sign-up was handed out again")
	}
	var left int
	if err := f.App.DB.Pool.QueryRow(t.Context(), `SELECT count(*) FROM sign_ups WHERE id = ANY($1::uuid[])`,
		[]string{old.ID, other.ID}).Scan(&left); err != nil || left != 0 {
		t.Fatalf("expired sign-ups left: %d (%v)", left, err)
	}
	if code, _ := page(t, http.MethodGet, other.ConfirmURL, "en", nil); code != http.StatusNotFound {
		t.Fatalf("GET of a deleted sign-up's link: %d", code)
	}
}

// Without any new sign-up, the timer deletes what expired, and only that.
func TestExpiredSignUpsAreDeletedOnATimer(t *testing.T) {
	f := newFixture(t)
	old := f.mustSignUp(t, "erika.mustermann@example.com")
	pending := f.mustSignUp(t, "max.muster@example.com")
	if _, err := f.App.DB.Pool.Exec(t.Context(), `UPDATE sign_ups SET expires_at = now() - interval '1 second' WHERE id = $1`, old.ID); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.App.SignUps.WatchExpired(ctx, 20*time.Millisecond, slog.New(slog.DiscardHandler))
	}()
	defer func() { cancel(); <-done }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var left []string
		rows, err := f.App.DB.Pool.Query(t.Context(), `SELECT id::text FROM sign_ups ORDER BY id`)
		if err == nil {
			left, err = pgx.CollectRows(rows, pgx.RowTo[string])
		}
		if err != nil {
			t.Fatal(err)
		}
		if slices.Equal(left, []string{pending.ID}) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("sign-ups left = %v, want only the pending one %s", left, pending.ID)
		}
	}
}

func TestErasureDeletesThePersonsPendingSignUps(t *testing.T) {
	f := newFixture(t)
	first := f.mustSignUp(t, "erika.mustermann@example.com")
	page(t, http.MethodPost, first.ConfirmURL, "de", confirmForm)
	cs := f.contactsByEmail(t, "mustermann")
	if len(cs) != 1 {
		t.Fatalf("contacts: %+v", cs)
	}
	f.must(t, `mutation { createList(input: {key: "news-en", name: "Newsletter English", purposeKey: "newsletter"}) { id } }`, nil)
	pending, res := f.signUp(t, map[string]any{"email": "Erika.Mustermann+en@example.com", "purposeKey": "newsletter", "listKey": "news-en", "source": "web-form"})
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	f.must(t, `mutation($id: ID!) { eraseContact(id: $id, reason: "Art. 17 request by letter") { erasedAt } }`, map[string]any{"id": cs[0].ID})

	var n int
	if err := f.App.DB.Pool.QueryRow(t.Context(), `SELECT count(*) FROM sign_ups`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("sign-ups left after the erasure: %d (%v)", n, err)
	}
	if code, _ := page(t, http.MethodPost, pending.ConfirmURL, "de", confirmForm); code != http.StatusNotFound {
		t.Fatalf("a link mailed before the erasure still confirms: %d", code)
	}
	if cs := f.contactsByEmail(t, "mustermann"); len(cs) != 0 {
		t.Fatalf("contacts after the erasure: %+v", cs)
	}
}

func TestSignUpsPerTokenAreLimited(t *testing.T) {
	f := newFixture(t, func(c *config.Config) { c.SignUpRate = 1 }) // bursts of 5
	refused := -1
	for i := range 8 {
		_, res := f.signUp(t, map[string]any{"email": fmt.Sprintf("person.%d@example.com", i), "purposeKey": "newsletter", "source": "web-form"})
		if codes := res.ErrorCodes(); len(codes) == 1 && codes[0] == "RATE_LIMITED" {
			refused = i
			break
		}
	}
	if refused != 5 {
		t.Fatalf("first refused sign-up: #%d, want #5 (after a burst of 5 at 1/s)", refused)
	}
}

// Erika had agreed to sales calls, then objected to all advertising (blacklistContact). Later
// she signs up for the newsletter herself and confirms: that re-entry ends the block, and she
// gets the newsletter — but the sales calls she objected to do not come back with it. Her
// grant older than the objection is revoked (dated when she objected) on each of her records.
func TestReentryForOnePurposeDoesNotReviveTheObjectedOnes(t *testing.T) {
	f := newFixture(t)
	f.must(t, `mutation { createList(input: {key: "calls", name: "Anrufaktion", purposeKey: "sales-calls"}) { id } }`, nil)
	var c struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	f.MustAdmin(t, &c, `mutation { createContact(input: {givenName: "Erika", familyName: "Mustermann", emails: ["erika.mustermann@example.org"], phones: ["+49 30 5557001"]}) { contact { id } } }`, nil)
	erika := c.CreateContact.Contact.ID
	f.MustAdmin(t, &c, `mutation { createContact(input: {givenName: "E.", familyName: "Mustermann", emails: ["e.m@firma.example"], phones: ["030 5557001"]}) { contact { id } } }`, nil)
	sales := c.CreateContact.Contact.ID
	for _, id := range []string{erika, sales} {
		f.must(t, `mutation($c: ID!) { addToList(contactId: $c, listKey: "calls") { id } }`, map[string]any{"c": id})
		f.must(t, `mutation($c: ID!) { recordConsent(input: {contactId: $c, purposeKey: "sales-calls", source: "fair"}) { id } }`, map[string]any{"c": id})
	}
	f.must(t, `mutation($c: ID!) { blacklistContact(contactId: $c, reason: "objection to all advertising (Art. 21), letter") { id } }`, map[string]any{"c": erika})

	s := f.mustSignUp(t, "erika.mustermann@example.org")
	if code, _ := page(t, http.MethodPost, s.ConfirmURL, "de", confirmForm); code != http.StatusOK {
		t.Fatalf("POST: %d", code)
	}
	if r := f.recipients(t); !slices.Contains(r, erika) {
		t.Fatalf("newsletter recipients after her confirmed sign-up = %v, want her record %s", r, erika)
	}
	var out struct {
		Recipients struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	f.MustAdmin(t, &out, `{ recipients(listKey: "calls", first: 10) { edges { node { id } } } }`, nil)
	if len(out.Recipients.Edges) != 0 {
		t.Errorf("sales-call recipients after her newsletter sign-up = %+v; she objected to them, want none", out.Recipients.Edges)
	}
}
