package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// keyedAnswer is one raw answer of POST /graphql sent with an Idempotency-Key.
type keyedAnswer struct {
	replayed bool
	body     []byte
}

func postWithKey(t *testing.T, s *apptest.Server, key, query string, vars map[string]any) keyedAnswer {
	t.Helper()
	return postAsWithKey(t, s, apptest.AdminToken, key, query, vars)
}

func postAsWithKey(t *testing.T, s *apptest.Server, token, key, query string, vars map[string]any) keyedAnswer {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Idempotency-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("POST /graphql: %v", err)
		return keyedAnswer{}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return keyedAnswer{replayed: resp.Header.Get("Idempotent-Replayed") == "true", body: raw}
}

// A mutation whose second run would be refused because the first one did its work (an erasure:
// the contact is gone; a webhook deleted: it is gone), sent twice at the same moment with one
// Idempotency-Key to two instances, is carried out once, and the second sender hears what a
// resend hears (docs/integrators.md: "also when the two arrive at the same moment"): the first
// answer, replayed — for an erasure, whose answer is not kept, ALREADY_CARRIED_OUT — not
// NOT_FOUND for what its own first request did.
func TestAKeyedMutationSentToTwoInstancesAtOnceAnswersBothAsAResend(t *testing.T) {
	a := apptest.Start(t)
	b := apptest.StartOn(t, a.DBURL)
	const erase = `mutation($id: ID!) { eraseContact(id: $id, reason: "Art. 17 request by letter") { contactId erasedContactIds } }`
	const deleteHook = `mutation($id: ID!) { deleteWebhook(id: $id) { id url } }`
	replayed := func(first, second keyedAnswer) bool {
		return bytes.Equal(first.body, second.body) && !first.replayed && second.replayed
	}
	carriedOut := func(first, second keyedAnswer) bool {
		return !first.replayed && bytes.Contains(first.body, []byte(`"erasedContactIds"`)) &&
			bytes.Contains(second.body, []byte(`"reason":"ALREADY_CARRIED_OUT"`))
	}
	for round := range 6 {
		var c struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		a.MustAdmin(t, &c, `mutation($e: String!) { createContact(input: {givenName: "Max", familyName: "Mustermann", emails: [$e]}) { contact { id } } }`,
			map[string]any{"e": fmt.Sprintf("max.twice-%d@example.test", round)})
		var h struct{ CreateWebhook struct{ ID string } }
		a.MustAdmin(t, &h, `mutation($u: String!) { createWebhook(input: {url: $u, kinds: [CONSENT_REVOKED], secret: "0123456789abcdef0123"}) { id } }`,
			map[string]any{"u": fmt.Sprintf("https://hooks.example.org/round-%d", round)})
		for _, op := range []struct {
			name, query, id string
			ok              func(first, second keyedAnswer) bool
		}{{"eraseContact", erase, c.CreateContact.Contact.ID, carriedOut}, {"deleteWebhook", deleteHook, h.CreateWebhook.ID, replayed}} {
			key := fmt.Sprintf("%s-at-once-%d", op.name, round)
			var wg sync.WaitGroup
			answers := make([]keyedAnswer, 2)
			for i, s := range []*apptest.Server{a, b} {
				wg.Go(func() { answers[i] = postWithKey(t, s, key, op.query, map[string]any{"id": op.id}) })
			}
			wg.Wait()
			if !op.ok(answers[0], answers[1]) && !op.ok(answers[1], answers[0]) {
				t.Errorf("round %d, %s sent to both instances at once with one key: answers\n  A (replayed %v) %s\n  B (replayed %v) %s\nwant the first answer and, for the other, what a resend hears",
					round, op.name, answers[0].replayed, answers[0].body, answers[1].replayed, answers[1].body)
			}
		}
	}
}

// The newsletter software's writes (its token bound to the newsletter) sent twice at the same
// moment with one key to two instances are carried out once: one ledger entry per consent
// recorded or revoked, one sign-up, and both senders get the first answer.
func TestAnIntegratorsKeyedWritesSentToTwoInstancesAtOnceAreCarriedOutOnce(t *testing.T) {
	a := apptest.Start(t)
	b := apptest.StartOn(t, a.DBURL)
	a.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	var tok struct{ CreateAPIToken struct{ Secret string } }
	a.MustAdmin(t, &tok, `mutation { createApiToken(name: "newsletter software", role: INTEGRATOR, purposeKeys: ["newsletter"]) { secret } }`, nil)
	integrator := tok.CreateAPIToken.Secret
	for round := range 4 {
		var c struct {
			CreateContact struct{ Contact struct{ ID string } }
		}
		a.MustAdmin(t, &c, `mutation($e: String!) { createContact(input: {givenName: "Erika", familyName: "Musterfrau", emails: [$e]}) { contact { id } } }`,
			map[string]any{"e": fmt.Sprintf("erika.keyed-%d@example.test", round)})
		id := c.CreateContact.Contact.ID
		for _, op := range []struct{ name, query string }{
			{"recordConsent", `mutation($id: ID!) { recordConsent(input: {contactId: $id, purposeKey: "newsletter", source: "shop-checkout", evidence: "checkbox v3"}) { status history { status source } } }`},
			{"revokeConsent", `mutation($id: ID!) { revokeConsent(input: {contactId: $id, purposeKey: "newsletter", channel: "api"}) { status history { status source } } }`},
			{"signUp", `mutation { signUp(input: {email: "erika.signup-` + id[len(id)-6:] + `@example.test", purposeKey: "newsletter", source: "web-form"}) { id status } }`},
		} {
			key := fmt.Sprintf("%s-%d", op.name, round)
			var wg sync.WaitGroup
			answers := make([]keyedAnswer, 2)
			for i, s := range []*apptest.Server{a, b} {
				wg.Go(func() { answers[i] = postAsWithKey(t, s, integrator, key, op.query, varsOf(op.query, id)) })
			}
			wg.Wait()
			if !bytes.Equal(answers[0].body, answers[1].body) || answers[0].replayed == answers[1].replayed || bytes.Contains(answers[0].body, []byte(`"errors"`)) {
				t.Errorf("round %d, %s sent to both instances at once with one key: answers\n  A (replayed %v) %s\n  B (replayed %v) %s\nwant the first answer twice, one of them replayed",
					round, op.name, answers[0].replayed, answers[0].body, answers[1].replayed, answers[1].body)
			}
		}
		var entries, signUps int
		if err := a.Conn(t).QueryRow(t.Context(), `SELECT (SELECT count(*) FROM consent_events WHERE contact_id = $1),
				(SELECT count(*) FROM sign_ups)`, id).Scan(&entries, &signUps); err != nil {
			t.Fatal(err)
		}
		if entries != 2 || signUps != round+1 {
			t.Errorf("round %d: %d ledger entries and %d sign-ups in all; want 2 (one grant, one revocation) and %d", round, entries, signUps, round+1)
		}
	}
}

// varsOf binds $id when the query declares it.
func varsOf(query, id string) map[string]any {
	if bytes.Contains([]byte(query), []byte("$id")) {
		return map[string]any{"id": id}
	}
	return nil
}
