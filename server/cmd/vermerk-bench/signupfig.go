package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
)

// signUpGoal is the least share of recordConsent's rate that confirmed sign-ups reach: a
// sign-up is two requests (signUp, the confirm POST), screens the address and writes the
// pending sign-up, then the contact, its e-mail, the membership and the consent with its
// evidence, and deletes the pending row — about four times recordConsent's work.
const signUpGoal = 0.25

// signUpFigures: double opt-in sign-ups confirmed per second — signUp over GraphQL, then the
// person's POST on the confirm link, which finds or creates the contact, joins the list and
// records the consent with its evidence — against recordConsent over GraphQL for a seeded
// contact, the single ledger write it ends in.
func (b *bench) signUpFigures(ctx context.Context) error {
	if err := b.fullContacts(ctx); err != nil {
		return err
	}
	n := b.contacts
	s, err := b.mainServer(ctx)
	if err != nil {
		return err
	}
	for _, m := range []string{
		`mutation { createPurpose(input: {key: "signup-news", name: "Newsletter (sign-ups)", legalBasis: CONSENT}) { id } }`,
		`mutation { createList(input: {key: "signup-news", name: "Newsletter (sign-ups)", purposeKey: "signup-news"}) { id } }`,
		`mutation { addConsentText(purposeKey: "signup-news", text: "Ja, ich möchte den Newsletter per E-Mail erhalten.") { version } }`,
	} {
		if err := gql(ctx, s.url, adminToken, m, nil, nil); err != nil {
			return fmt.Errorf("sign-up setup: %w", err)
		}
	}
	form, err := createToken(ctx, s, "bench-web-form", "INTEGRATOR", []string{"signup-news"})
	if err != nil {
		return err
	}
	staff, err := createToken(ctx, s, "bench-consents", "STAFF", nil)
	if err != nil {
		return err
	}
	client, err := newRawClient(s.url, b.scale.workers)
	if err != nil {
		return err
	}
	const signUp = `mutation SignUp($e: String!, $ip: String!) { signUp(input: {email: $e, purposeKey: "signup-news",
		listKey: "signup-news", ip: $ip, userAgent: "vermerk-bench", source: "bench-form"}) { confirmURL } }`
	var seq atomic.Int64
	confirmBody := url.Values{"confirm": {"yes"}}.Encode()
	app := b.load(ctx, "sign-ups confirmed (signUp + POST /confirm)", func(ctx context.Context, rnd *rand.Rand) error {
		i := seq.Add(1)
		// Each person signs up and confirms from an address of their own (the server trusts
		// the bench as its proxy), as people do; one address would hit the page's limit.
		ip := fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		var out struct{ SignUp struct{ ConfirmURL string } }
		if err := client.gql(ctx, form, gqlBody(signUp, map[string]any{"e": fmt.Sprintf("signup.%d@example.org", i), "ip": ip}), &out); err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, out.SignUp.ConfirmURL, strings.NewReader(confirmBody))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", ip)
		resp, err := httpClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		page, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "bestätigt") {
			return fmt.Errorf("confirm: HTTP %d: %.200s", resp.StatusCode, page)
		}
		return nil
	})
	const record = `mutation Record($c: ID!) { recordConsent(input: {contactId: $c, purposeKey: "signup-news",
		source: "bench-form", evidence: "double opt-in elsewhere"}) { status } }`
	base := b.load(ctx, "recordConsent over GraphQL", func(ctx context.Context, rnd *rand.Rand) error {
		var out struct{ RecordConsent struct{ Status string } }
		i := 1 + rnd.IntN(n)
		if blocked(i) { // an objection blocks it: no consent may be recorded (recipients' seeds)
			i--
		}
		if err := client.gql(ctx, staff, gqlBody(record, map[string]any{"c": contactID(i)}), &out); err != nil {
			return err
		}
		if out.RecordConsent.Status != "GRANTED" {
			return fmt.Errorf("recordConsent: status %q", out.RecordConsent.Status)
		}
		return nil
	})
	b.measured(figure{name: "signup_confirmed_rps", unit: "sign-ups/s", baseUnit: "consents/s", goal: atLeast(signUpGoal),
		note: "signUp + confirm POST vs recordConsent"}, app, base, rps)
	return nil
}
