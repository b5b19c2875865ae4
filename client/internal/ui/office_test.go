package ui

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/testserver"
)

// The office screens against a real server (testserver builds and starts it).

func realClient(t *testing.T) (*api.Client, string) {
	t.Helper()
	c, url, _ := realServer(t)
	return c, url
}

// realServer is realClient with the server's admin token, for what the client does not ask
// itself (an unsubscribe link, say).
func realServer(t *testing.T) (c *api.Client, url, token string) {
	t.Helper()
	url, token = testserver.Start(t)
	c, err := api.New(url, token)
	if err != nil {
		t.Fatal(err)
	}
	return c, url, token
}

// withNewsletter creates the purpose "newsletter" on c's server and returns a function that
// enters a person with one e-mail, returning the contact's id.
func withNewsletter(t *testing.T, c *api.Client) (person func(given, family, email string) string) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.CreatePurpose(ctx, api.PurposeInput{Key: "newsletter", Name: "Newsletter", LegalBasis: api.LegalBasisConsent}); err != nil {
		t.Fatal(err)
	}
	return func(given, family, email string) string {
		t.Helper()
		p, err := c.CreateContact(ctx, api.ContactInput{GivenName: &given, FamilyName: &family, Emails: []string{email}}, nil)
		if err != nil || p.Contact == nil {
			t.Fatalf("create %s: %+v, %v", family, p, err)
		}
		return p.Contact.Id
	}
}

// awaitServer is eventually with time for a real server's round trips.
func awaitServer(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for pump(); !cond(); pump() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestOfficeCreatesPurposesAndLists(t *testing.T) {
	c, _ := realClient(t)
	loc, w := testWindow(t)
	s := NewOfficeScreen(c, loc, w)
	w.SetContent(s.Object())
	s.Reload()

	test.Type(s.PurposeKey, "News Letter")
	test.Type(s.PurposeName, "Newsletter")
	test.Tap(s.AddPurpose)
	awaitServer(t, "the key check", func() bool { return s.PurposeMsg.Text != "" })
	if !strings.Contains(s.PurposeMsg.Text, `"News Letter" is not a valid key`) {
		t.Fatalf("message = %q", s.PurposeMsg.Text)
	}
	s.PurposeKey.SetText("newsletter")
	s.PurposeBasis.SetSelected("Consent (Art. 6(1)(a))")
	test.Type(s.PurposeDesc, "Monthly e-mail")
	test.Tap(s.AddPurpose)
	awaitServer(t, "the new purpose", func() bool { return len(s.purposes) == 1 && s.PurposeMsg.Text == "" })
	if p := s.purposes[0]; p.Key != "newsletter" || p.LegalBasis != api.LegalBasisConsent || *p.Description != "Monthly e-mail" {
		t.Fatalf("purpose = %+v", p)
	}
	if s.ListPurpose.Selected != "Newsletter" {
		t.Errorf("the list form did not pick the new purpose: %q", s.ListPurpose.Selected)
	}

	// The same key again: the server refuses, the form says so.
	s.PurposeKey.SetText("newsletter")
	s.PurposeName.SetText("Newsletter 2")
	test.Tap(s.AddPurpose)
	awaitServer(t, "the refusal", func() bool { return s.PurposeMsg.Text != "" })

	test.Type(s.ListKey, "newsletter-kunden")
	test.Type(s.ListName, "Newsletter Kunden")
	test.Tap(s.AddList)
	awaitServer(t, "the new list", func() bool { return len(s.lists) == 1 })
	if l := s.lists[0]; l.Key != "newsletter-kunden" || l.Purpose.Key != "newsletter" {
		t.Fatalf("list = %+v", l)
	}
	lists, err := c.Lists(context.Background())
	if err != nil || len(lists) != 1 {
		t.Fatalf("the server has lists %+v, %v", lists, err)
	}
}

func TestOfficeTokenForAStaffMember(t *testing.T) {
	c, url := realClient(t)
	loc, w := testWindow(t)
	s := NewOfficeScreen(c, loc, w)
	w.SetContent(s.Object())
	s.Reload()
	awaitServer(t, "the token list", func() bool { return s.Tokens.Length() >= 0 && s.TokenRole.Selected != "" })

	test.Type(s.TokenName, "Erika Mustermann")
	s.TokenRole.SetSelected("Staff")
	test.Tap(s.AddToken)
	awaitServer(t, "the secret", func() bool { return s.Secret != nil })
	secret := s.Secret.Secret.Text
	if !strings.HasPrefix(secret, "vmk_") {
		t.Fatalf("secret shown = %q", secret)
	}
	test.Type(s.Secret.Secret, "x")
	if s.Secret.Secret.Text != secret {
		t.Fatal("the shown secret can be edited")
	}
	test.Tap(s.Secret.Copy)
	if got := fyne.CurrentApp().Clipboard().Content(); got != secret {
		t.Fatalf("clipboard = %q, want the secret", got)
	}
	test.Tap(s.Secret.Close)

	staff, _ := api.New(url, secret)
	v, err := staff.Me(context.Background())
	if err != nil || v.Name != "Erika Mustermann" || v.Role != api.RoleStaff {
		t.Fatalf("the new token is %+v, %v", v, err)
	}
	awaitServer(t, "the listed token", func() bool {
		for _, tok := range s.TokenList() {
			if tok.Name == "Erika Mustermann" {
				return true
			}
		}
		return false
	})

	// One token per staff member.
	s.TokenName.SetText("erika mustermann")
	test.Tap(s.AddToken)
	awaitServer(t, "the refusal", func() bool { return s.TokenMsg.Text != "" })
	if !strings.Contains(s.TokenMsg.Text, "already has a valid token") {
		t.Fatalf("message = %q", s.TokenMsg.Text)
	}

	i := -1
	for j, tok := range s.TokenList() {
		if tok.Name == "Erika Mustermann" {
			i = j
		}
	}
	s.AskRevoke(i)
	test.Tap(s.RevokeDialog.Confirm)
	awaitServer(t, "the revocation", func() bool {
		for _, tok := range s.TokenList() {
			if tok.Name == "Erika Mustermann" && tok.RevokedAt != nil {
				return true
			}
		}
		return false
	})
	if _, err := staff.Me(context.Background()); !errors.Is(err, api.ErrUnauthenticated) {
		t.Fatalf("the revoked token still works: %v", err)
	}
	// Now a new one may be made.
	test.Tap(s.AddToken)
	awaitServer(t, "the second secret", func() bool { return s.Secret != nil && s.Secret.Secret.Text != secret })
}

func TestOfficeWebhookShowsItsDeliveries(t *testing.T) {
	var mu sync.Mutex
	var got, signedWith []string
	secrets := []string{"ein-langes-gemeinsames-geheimnis", "ein-neues-gemeinsames-geheimnis"}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, string(body))
		signedWith = append(signedWith, "none")
		for _, secret := range secrets { // as the integrators' guide says to check it
			mac := hmac.New(sha256.New, []byte(secret))
			mac.Write([]byte(r.Header.Get("X-Vermerk-Timestamp") + "." + string(body)))
			if r.Header.Get("X-Vermerk-Signature") == "sha256="+hex.EncodeToString(mac.Sum(nil)) {
				signedWith[len(signedWith)-1] = secret
			}
		}
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer hook.Close()
	c, _ := realClient(t)
	ctx := context.Background()
	loc, w := testWindow(t)
	s := NewOfficeScreen(c, loc, w)
	w.SetContent(s.Object())
	s.Reload()

	test.Type(s.HookURL, hook.URL+"/vermerk")
	test.Type(s.HookSecret, "short")
	test.Tap(s.AddHook)
	awaitServer(t, "the secret check", func() bool { return s.HookMsg.Text != "" })
	if !strings.Contains(s.HookMsg.Text, "at least 16 characters") {
		t.Fatalf("message = %q", s.HookMsg.Text)
	}
	s.HookSecret.SetText(secrets[0])
	test.Tap(s.AddHook)
	awaitServer(t, "the webhook", func() bool { return len(s.HookList()) == 1 || s.HookMsg.Text != "" })
	if s.HookMsg.Text != "" {
		t.Fatalf("creating the webhook: %s", s.HookMsg.Text)
	}

	// An erasure is an event for the webhook.
	family := "Mustermann"
	p, err := c.CreateContact(ctx, api.ContactInput{FamilyName: &family, Emails: []string{"max.muster@example.com"}}, nil)
	if err != nil || p.Contact == nil {
		t.Fatalf("create: %+v, %v", p, err)
	}
	if _, err := c.EraseContact(ctx, p.Contact.Id, "Antrag vom 2. Mai"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		s.loadWebhooks()
		awaitServer(t, "the reload", func() bool { return true })
		time.Sleep(300 * time.Millisecond)
		pump()
		if ds := s.ShownDeliveries(); len(ds) == 1 && ds[0].Status == api.DeliveryStatusDelivered {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no delivered delivery shown: %+v", s.ShownDeliveries())
		}
	}
	row := s.hookText(s.HookList()[0])
	if !strings.Contains(row, "delivered: 1, pending: 0, failed: 0") {
		t.Errorf("webhook row = %q", row)
	}
	if text := s.deliveryText(s.ShownDeliveries()[0]); !strings.HasPrefix(text, "erasure · delivered (attempt 1)") {
		t.Errorf("delivery row = %q", text)
	}
	mu.Lock()
	if len(got) != 1 || !strings.Contains(got[0], p.Contact.Id) || strings.Contains(got[0], "max.muster") {
		t.Errorf("the hook received %q", got)
	}

	if signedWith[0] != secrets[0] {
		t.Errorf("the delivery was signed with %q, want the webhook's secret", signedWith[0])
	}
	mu.Unlock()

	// The receiver rotates its secret: a new one is set from the row, checked before it is sent.
	s.AskNewSecret(0)
	test.Type(s.NewSecretDialog.Secret, "kurz")
	test.Tap(s.NewSecretDialog.Confirm)
	awaitServer(t, "the secret check", func() bool { return s.NewSecretDialog.Message.Text != "" })
	if !strings.Contains(s.NewSecretDialog.Message.Text, "at least 16 characters") {
		t.Fatalf("message = %q", s.NewSecretDialog.Message.Text)
	}
	s.NewSecretDialog.Secret.SetText(secrets[1])
	test.Tap(s.NewSecretDialog.Confirm)
	awaitServer(t, "the new secret", func() bool { return s.NewSecretDialog == nil })
	p, err = c.CreateContact(ctx, api.ContactInput{FamilyName: &family, Emails: []string{"erika.muster@example.com"}}, nil)
	if err != nil || p.Contact == nil {
		t.Fatalf("create: %+v, %v", p, err)
	}
	if _, err := c.EraseContact(ctx, p.Contact.Id, "Antrag vom 3. Mai"); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		mu.Lock()
		n := len(signedWith)
		mu.Unlock()
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the second erasure was not delivered")
		}
	}
	mu.Lock()
	if signedWith[1] != secrets[1] {
		t.Errorf("after the new secret, the delivery was signed with %q, want %q", signedWith[1], secrets[1])
	}
	mu.Unlock()

	s.AskDelete(0)
	test.Tap(s.DeleteDialog.Confirm)
	awaitServer(t, "the removal", func() bool { return len(s.HookList()) == 0 && s.DeleteDialog == nil })
	if hooks, _ := c.Webhooks(ctx); len(hooks) != 0 {
		t.Fatalf("the server still has %+v", hooks)
	}
}
