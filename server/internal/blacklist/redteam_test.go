package blacklist_test

// Red-team tests of issue 15 (hardening) for the blacklist: each one was run against the code
// before the fix and failed there.

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/app"
	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/blacklist"
	"github.com/vermerk/vermerk/server/internal/config"
	"github.com/vermerk/vermerk/server/internal/pgtest"
	"github.com/vermerk/vermerk/server/internal/screening"
)

// Issue 15, item 5: an instance started with a wrong VERMERK_SECRET_KEY would match none of
// the live entries; it refuses to start, naming the missing key ids and the way out.
func TestRedTeamWrongSecretKeyRefusesToStart(t *testing.T) {
	s := apptest.Start(t)
	// a contact whose address is then blacklisted: blocked, left out of every recipients page
	var c struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	s.MustAdmin(t, &c, `mutation { createContact(input: {givenName: "Erika", familyName: "Mustermann", emails: ["max.muster@example.com"]}) { contact { id } } }`, nil)
	add(t, s, map[string]any{"emails": []string{"max.muster@example.com"}}, "erased on request")
	oldKey, err := screening.ParseKey(s.Config.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	db := s.Conn(t)
	// what the refused start must leave as it was: the identifiers' key and the block
	state := func() (keys string, blocked bool) {
		t.Helper()
		if err := db.QueryRow(context.Background(), `SELECT string_agg(DISTINCT key_id, ','), EXISTS (SELECT FROM contact_blocks WHERE contact_id = $1)
			FROM contact_emails`, c.CreateContact.Contact.ID).Scan(&keys, &blocked); err != nil {
			t.Fatal(err)
		}
		return keys, blocked
	}
	if keys, blocked := state(); keys != oldKey.ID || !blocked {
		t.Fatalf("before: e-mails hashed under %q, contact blocked %v", keys, blocked)
	}

	var raw [32]byte
	_, _ = rand.Read(raw[:])
	cfg := s.Config
	cfg.DataDir = t.TempDir()
	cfg.SecretKey = base64.StdEncoding.EncodeToString(raw[:]) // "mistyped"
	log := slog.New(slog.DiscardHandler)
	a, err := app.Open(context.Background(), cfg, log)
	if err == nil {
		a.Close(context.Background())
		t.Fatal("started with a key that matches none of the live blacklist entries")
	}
	for _, want := range []string{oldKey.ID, "1 live entries", "VERMERK_SECRET_KEY", "VERMERK_OLD_SECRET_KEYS"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q should name %q", err, want)
		}
	}
	// Refusing came too late when the identifiers were hashed under the mistyped key first:
	// the blocked contact matched its entry no more, for every instance of the database.
	if keys, blocked := state(); keys != oldKey.ID || !blocked {
		t.Errorf("after the refused start: e-mails hashed under %q (want %s), contact blocked %v", keys, oldKey.ID, blocked)
	}

	cfg.OldSecretKeys = []string{s.Config.SecretKey} // the rotation the README describes
	a, err = app.Open(context.Background(), cfg, log)
	if err != nil {
		t.Fatalf("with the old key in VERMERK_OLD_SECRET_KEYS: %v", err)
	}
	a.Close(context.Background())
}

// With an empty blacklist the entries cannot tell a mistyped key; the contacts' identifiers,
// hashed under the key of the instances that wrote them, can. A start with another key must
// refuse before it hashes them again: an entry the right-key instances add afterwards would
// not block their holders.
func TestRedTeamWrongSecretKeyLeavesIdentifiersAlone(t *testing.T) {
	s := apptest.Start(t)
	var c struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	s.MustAdmin(t, &c, `mutation { createContact(input: {givenName: "Erika", familyName: "Mustermann", emails: ["erika.muster@example.com"], phones: ["+49 30 5550123"]}) { contact { id } } }`, nil)
	right, err := screening.ParseKey(s.Config.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	db := s.Conn(t)
	keys := func() string {
		t.Helper()
		var k string
		if err := db.QueryRow(context.Background(), `SELECT string_agg(DISTINCT key_id, ',' ORDER BY key_id) FROM
			(SELECT key_id FROM contact_emails UNION ALL SELECT key_id FROM contact_phones) i`).Scan(&k); err != nil {
			t.Fatal(err)
		}
		return k
	}
	if got := keys(); got != right.ID {
		t.Fatalf("before: identifiers hashed under %q, want %s", got, right.ID)
	}

	// as on a database from before migration 00029, which records the current key (that is
	// checked first, TestRedTeamOtherKeyOnAnEmptyDatabase)
	if _, err := db.Exec(context.Background(), `DELETE FROM current_secret_key`); err != nil {
		t.Fatal(err)
	}
	cfg := s.Config
	cfg.DataDir = t.TempDir()
	cfg.SecretKey = apptest.NewSecretKey() // "mistyped"
	wrong, err := screening.ParseKey(cfg.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	a, err := app.Open(context.Background(), cfg, log)
	if err == nil {
		a.Close(context.Background())
		t.Fatal("started with a key other than the one every identifier is hashed under")
	}
	if !strings.HasPrefix(err.Error(), "contact_emails holds identifiers") {
		t.Errorf("error %q should start with what was found", err)
	}
	for _, want := range []string{right.ID + " (1 rows)", wrong.ID, "VERMERK_SECRET_KEY", "VERMERK_OLD_SECRET_KEYS", "VERMERK_LOST_KEY_IDS"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q should name %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "example.com") || strings.Contains(err.Error(), "5550123") {
		t.Errorf("error %q quotes an identifier", err)
	}
	if got := keys(); got != right.ID {
		t.Errorf("after the refused start: identifiers hashed under %q, want %s", got, right.ID)
	}

	// a key declared lost: its identifiers are hashed again under the current key
	lost := cfg
	lost.LostKeyIDs = []string{right.ID}
	if a, err = app.Open(context.Background(), lost, log); err != nil {
		t.Fatalf("with %s in VERMERK_LOST_KEY_IDS: %v", right.ID, err)
	}
	a.Close(context.Background())
	if got := keys(); got != wrong.ID {
		t.Errorf("after the start that declared %s lost: identifiers hashed under %q, want %s", right.ID, got, wrong.ID)
	}

	// and back, the rotation the README describes: the key now on the rows is an old one
	cfg.SecretKey, cfg.OldSecretKeys = s.Config.SecretKey, []string{cfg.SecretKey}
	if a, err = app.Open(context.Background(), cfg, log); err != nil {
		t.Fatalf("with the key on the rows in VERMERK_OLD_SECRET_KEYS: %v", err)
	}
	a.Close(context.Background())
	if got := keys(); got != right.ID {
		t.Errorf("after the rotation: identifiers hashed under %q, want %s", got, right.ID)
	}
}

// On a database with neither blacklist entries nor contacts yet, nothing in the data shows
// that a starting instance has another key than those already running: the key the database
// recorded as current does. Another key is refused there too, also when two instances start
// at once on a new database; a rotation (the recorded key among the old ones) records the new.
func TestRedTeamOtherKeyOnAnEmptyDatabase(t *testing.T) {
	s := apptest.Start(t)
	db := s.Conn(t)
	recorded := func() string {
		t.Helper()
		var id string
		if err := db.QueryRow(context.Background(), `SELECT key_id FROM current_secret_key`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	first, err := screening.ParseKey(s.Config.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	if got := recorded(); got != first.ID {
		t.Fatalf("recorded %q, want the first instance's %s", got, first.ID)
	}
	log := slog.New(slog.DiscardHandler)
	open := func(cfg config.Config) error {
		cfg.DataDir = t.TempDir()
		a, err := app.Open(context.Background(), cfg, log)
		if err == nil {
			a.Close(context.Background())
		}
		return err
	}
	other := s.Config
	other.SecretKey = apptest.NewSecretKey()
	err = open(other)
	if err == nil {
		t.Fatal("a second instance with another key started on the database")
	}
	for _, want := range []string{first.ID, "VERMERK_SECRET_KEY", "VERMERK_OLD_SECRET_KEYS", "VERMERK_LOST_KEY_IDS"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q should name %q", err, want)
		}
	}
	if got := recorded(); got != first.ID {
		t.Errorf("after the refused start: recorded %q, want %s", got, first.ID)
	}

	// a rotation: the recorded key among the old ones
	rotated := other
	rotated.OldSecretKeys = []string{s.Config.SecretKey}
	if err := open(rotated); err != nil {
		t.Fatalf("the rotation: %v", err)
	}
	second, _ := screening.ParseKey(other.SecretKey)
	if got := recorded(); got != second.ID {
		t.Errorf("after the rotation: recorded %q, want %s", got, second.ID)
	}
	// an instance left with the key before the rotation is refused now; naming the new key
	// lost lets it record its own again
	if err := open(s.Config); err == nil || !strings.Contains(err.Error(), second.ID) {
		t.Errorf("the key before the rotation: err = %v, want a refusal naming %s", err, second.ID)
	}
	back := s.Config
	back.LostKeyIDs = []string{second.ID}
	if err := open(back); err != nil {
		t.Fatalf("with %s named lost: %v", second.ID, err)
	}
	if got := recorded(); got != first.ID {
		t.Errorf("after the start that named %s lost: recorded %q, want %s", second.ID, got, first.ID)
	}

	// two instances with different keys starting at once on a new database: one starts
	fresh := s.Config
	fresh.DatabaseURL = pgtest.NewDB(t)
	keys := []string{apptest.NewSecretKey(), apptest.NewSecretKey()}
	errs := make([]error, len(keys))
	var wg sync.WaitGroup
	for i, k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cfg := fresh
			cfg.SecretKey = k
			errs[i] = open(cfg)
		}()
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("two keys at once on a new database: %v and %v, want exactly one refused", errs[0], errs[1])
	}
}

// An instance left on the key before a rotation would not recognise the blacklist entries the
// rotated instances make with the new key: once a start has recorded the new key, the old
// instance says so (and `vermerk serve` stops); the rotated one goes on.
func TestRedTeamRotatedAwayInstanceStops(t *testing.T) {
	fast := func(c *config.Config) { c.KeyCheckInterval = 20 * time.Millisecond }
	old := apptest.Start(t, fast)
	select {
	case err := <-old.App.KeyStale:
		t.Fatalf("before any rotation: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	rotated := apptest.StartOn(t, old.DBURL, fast, func(c *config.Config) {
		c.SecretKey, c.OldSecretKeys = apptest.NewSecretKey(), []string{old.Config.SecretKey}
	})
	next, err := screening.ParseKey(rotated.Config.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-old.App.KeyStale:
		if !errors.Is(err, blacklist.ErrOtherCurrentKey) || !strings.Contains(err.Error(), next.ID) {
			t.Errorf("the old instance was told %v, want the refusal naming %s", err, next.ID)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the instance on the key before the rotation did not notice it within 10 s")
	}
	select {
	case err := <-rotated.App.KeyStale:
		t.Errorf("the rotated instance was told %v", err)
	case <-time.After(200 * time.Millisecond):
	}
}

// Between a rotation and its own stop, an instance left on the old key writes nothing: a
// contact it let in, or an entry it made with the old key, would not be matched by the
// rotated instances' new entries or would be made under a key on its way out.
func TestRedTeamRotatedAwayInstanceWritesNothing(t *testing.T) {
	slow := func(c *config.Config) { c.KeyCheckInterval = time.Hour } // it does not stop by itself here
	old := apptest.Start(t, slow)
	var c struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	old.MustAdmin(t, &c, `mutation { createContact(input: {givenName: "Vor", familyName: "Rotation", emails: ["vor.rotation@example.com"]}) { contact { id } } }`, nil)
	rotated := apptest.StartOn(t, old.DBURL, slow, func(cfg *config.Config) {
		cfg.SecretKey, cfg.OldSecretKeys = apptest.NewSecretKey(), []string{old.Config.SecretKey}
	})
	db := old.Conn(t)
	count := func(sql string) int {
		t.Helper()
		var n int
		if err := db.QueryRow(context.Background(), sql).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	contacts, entries := count(`SELECT count(*) FROM contacts`), count(`SELECT count(*) FROM blacklist_entries`)
	for _, w := range []struct{ what, query string }{
		{"createContact", `mutation { createContact(input: {givenName: "Nach", familyName: "Rotation", emails: ["nach.rotation@example.com"]}) { contact { id } } }`},
		{"blacklistAdd", `mutation { blacklistAdd(candidate: {emails: ["gesperrt@example.com"]}, reason: "asked to be left alone") { id } }`},
		{"eraseContact", `mutation { eraseContact(id: "` + c.CreateContact.Contact.ID + `", reason: "Art. 17 request") { contactId } }`},
	} {
		r := old.Admin(t, w.query, nil)
		if len(r.Errors) == 0 {
			t.Errorf("%s on the instance left on the old key went through", w.what)
			continue
		}
		// The caller is told to send it again (another instance takes it), not "internal error".
		if e := r.Errors[0]; e.Code() != "UNAVAILABLE" || !strings.Contains(e.Message, "nothing was written") {
			t.Errorf("%s refused with %s %q, want UNAVAILABLE saying nothing was written", w.what, e.Code(), e.Message)
		}
	}
	if n := count(`SELECT count(*) FROM contacts`); n != contacts {
		t.Errorf("%d contacts after the refused writes, want %d", n, contacts)
	}
	if n := count(`SELECT count(*) FROM blacklist_entries`); n != entries {
		t.Errorf("%d blacklist entries after the refused writes, want %d", n, entries)
	}

	// A person blocked on the rotated instance, with the new key: the old instance cannot
	// recognise them, so its screen must not answer "not blocked" (an integrator acting on it
	// would contact them) but refuse as the writes do.
	var added struct{ BlacklistAdd struct{ ID string } }
	rotated.MustAdmin(t, &added, `mutation { blacklistAdd(candidate: {emails: ["neu.gesperrt@example.com"]}, reason: "objected to marketing") { id } }`, nil)
	const screen = `{ screen(candidate: {emails: ["neu.gesperrt@example.com"]}) { blocked } }`
	var scr struct{ Screen struct{ Blocked bool } }
	rotated.MustAdmin(t, &scr, screen, nil)
	if !scr.Screen.Blocked {
		t.Fatal("the rotated instance does not block the person it just blocked")
	}
	r := old.Admin(t, screen, nil)
	if len(r.Errors) == 0 {
		t.Fatalf("the instance left on the old key screened a person blocked under the new key: %s", r.Data)
	}
	if e := r.Errors[0]; e.Code() != "UNAVAILABLE" {
		t.Errorf("screen refused with %s %q, want UNAVAILABLE", e.Code(), e.Message)
	}
}

// A link mailed by a rotated instance is signed with the new key, which an instance left on
// the old key cannot verify. Until it stops, that instance must not call the link invalid: a
// one-click unsubscription a mail provider posts there would be lost, and a person confirming
// a sign-up told their link is broken. It answers 503 with Retry-After, as when the database
// is out of reach, changes nothing, and the retry on a rotated instance goes through.
func TestRedTeamRotatedAwayInstanceSendsLinksOn(t *testing.T) {
	slow := func(c *config.Config) { c.KeyCheckInterval = time.Hour } // it does not stop by itself here
	old := apptest.Start(t, slow)
	for _, q := range []string{
		`mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`,
		`mutation { createList(input: {key: "news-de", name: "Newsletter Deutschland", purposeKey: "newsletter"}) { id } }`,
	} {
		old.MustAdmin(t, &struct{}{}, q, nil)
	}
	var c struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	old.MustAdmin(t, &c, `mutation { createContact(input: {givenName: "Lisa", familyName: "Linktest", emails: ["lisa.linktest@example.org"]}) { contact { id } } }`, nil)
	vars := map[string]any{"c": c.CreateContact.Contact.ID}
	old.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { addToList(contactId: $c, listKey: "news-de") { id } }`, vars)
	old.MustAdmin(t, &struct{}{}, `mutation($c: ID!) { recordConsent(input: {contactId: $c, purposeKey: "newsletter", source: "web form"}) { id } }`, vars)
	// A link the old key signed: the old instance reads it before the rotation.
	var own struct{ UnsubscribeLink string }
	old.MustAdmin(t, &own, `query($c: ID!) { unsubscribeLink(contactId: $c, listKey: "news-de") }`, vars)
	if code, _ := linkPage(t, http.MethodGet, own.UnsubscribeLink, nil); code != http.StatusOK {
		t.Fatalf("GET of an unsubscribe link on its own instance: %d, want 200", code)
	}

	rotated := apptest.StartOn(t, old.DBURL, slow, func(cfg *config.Config) {
		cfg.SecretKey, cfg.OldSecretKeys = apptest.NewSecretKey(), []string{old.Config.SecretKey}
	})
	var link struct{ UnsubscribeLink string }
	rotated.MustAdmin(t, &link, `query($c: ID!) { unsubscribeLink(contactId: $c, listKey: "news-de") }`, vars)
	var signUp struct{ SignUp struct{ ConfirmURL string } }
	rotated.MustAdmin(t, &signUp, `mutation { signUp(input: {purposeKey: "newsletter", listKey: "news-de", email: "paul.probe@example.org", source: "web-form-footer"}) { confirmURL } }`, nil)
	onOld := func(u string) string { return old.URL + strings.TrimPrefix(u, rotated.Config.PublicURL) }
	oneClick := url.Values{"List-Unsubscribe": {"One-Click"}}
	confirm := url.Values{"confirm": {"yes"}}

	db := old.Conn(t)
	// what the links change: Lisa's consent and membership, the ledger, confirmed sign-ups
	type state struct {
		granted, member bool
		ledger, signUps int
	}
	now := func() (st state) {
		t.Helper()
		err := db.QueryRow(context.Background(), `SELECT
			EXISTS (SELECT 1 FROM consent_state WHERE contact_id = $1 AND status = 'GRANTED'),
			EXISTS (SELECT 1 FROM list_members WHERE contact_id = $1),
			(SELECT count(*) FROM consent_events),
			(SELECT count(*) FROM sign_ups WHERE confirmed_at IS NOT NULL)`, c.CreateContact.Contact.ID).
			Scan(&st.granted, &st.member, &st.ledger, &st.signUps)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	before := now()
	if !before.granted || !before.member {
		t.Fatalf("Lisa before the links: %+v, want granted and a member", before)
	}
	for _, p := range []struct {
		method, url string
		form        url.Values
	}{
		{http.MethodGet, onOld(link.UnsubscribeLink), nil},
		{http.MethodPost, onOld(link.UnsubscribeLink), oneClick},
		{http.MethodGet, onOld(signUp.SignUp.ConfirmURL), nil},
		{http.MethodPost, onOld(signUp.SignUp.ConfirmURL), confirm},
	} {
		code, h := linkPage(t, p.method, p.url, p.form)
		if code != http.StatusServiceUnavailable || h.Get("Retry-After") == "" {
			t.Errorf("%s %s on the instance left on the old key: %d (Retry-After %q), want 503 with Retry-After",
				p.method, strings.SplitN(strings.TrimPrefix(p.url, old.URL), "/", 3)[1], code, h.Get("Retry-After"))
		}
	}
	if after := now(); after != before {
		t.Errorf("the refused links changed something: %+v, then %+v", before, after)
	}
	// A forged link is still invalid on a rotated instance: only this instance's lag gets 503.
	if code, _ := linkPage(t, http.MethodGet, link.UnsubscribeLink+"x", nil); code != http.StatusNotFound {
		t.Errorf("a forged link on the rotated instance: %d, want 404", code)
	}
	// The retries reach a rotated instance and go through.
	if code, _ := linkPage(t, http.MethodPost, link.UnsubscribeLink, oneClick); code != http.StatusOK {
		t.Errorf("one-click unsubscription on the rotated instance: %d, want 200", code)
	}
	if code, _ := linkPage(t, http.MethodPost, signUp.SignUp.ConfirmURL, confirm); code != http.StatusOK {
		t.Errorf("confirmation on the rotated instance: %d, want 200", code)
	}
	if after := now(); after.granted || after.member || after.signUps != before.signUps+1 {
		t.Errorf("after the retries on the rotated instance: %+v (before %+v), want Lisa revoked and off the list, one more sign-up confirmed", after, before)
	}
}

// linkPage sends a request to a link page, form-encoded when form is set, and returns the
// status and headers.
func linkPage(t *testing.T, method, u string, form url.Values) (int, http.Header) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(t.Context(), method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header
}
