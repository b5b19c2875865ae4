package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

const createWithKey = `mutation($in: ContactInput!) { createContact(input: $in) { contact { id familyName } } }`

// answer is one raw answer of POST /graphql.
type answer struct {
	status   int
	replayed bool
	body     []byte
}

func (a answer) result(t *testing.T) apptest.Result {
	t.Helper()
	var r apptest.Result
	if err := json.Unmarshal(a.body, &r); err != nil {
		t.Fatalf("answer is no GraphQL JSON: %s", a.body)
	}
	return r
}

func (a answer) contactID(t *testing.T) string {
	t.Helper()
	var out struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	r := a.result(t)
	r.Decode(t, &out)
	if out.CreateContact.Contact.ID == "" {
		t.Fatalf("createContact wrote no contact: %s", a.body)
	}
	return out.CreateContact.Contact.ID
}

// post sends query with the token and, unless key is "", an Idempotency-Key.
func post(t *testing.T, s *apptest.Server, token, key, query string, vars map[string]any) answer {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return sendWithKey(t, req, token, key)
}

// postUpload sends query as a GraphQL multipart request with one file bound to $file, with
// the token and, unless key is "", an Idempotency-Key.
func postUpload(t *testing.T, s *apptest.Server, token, key, query string, vars map[string]any, fileName string, content []byte) answer {
	t.Helper()
	return sendWithKey(t, apptest.UploadRequest(s.URL, query, vars, fileName, content), token, key)
}

func sendWithKey(t *testing.T, req *http.Request, token, key string) answer {
	t.Helper()
	req.Header.Set("Authorization", "Bearer "+token)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /graphql: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, replayed: resp.Header.Get("Idempotent-Replayed") == "true", body: raw}
}

func erika(email string) map[string]any {
	return map[string]any{"in": map[string]any{"givenName": "Erika", "familyName": "Mustermann", "emails": []string{email}}}
}

func recordsWith(t *testing.T, s *apptest.Server, email string) int {
	t.Helper()
	var n int
	if err := s.Conn(t).QueryRow(context.Background(), `SELECT count(*) FROM contact_emails WHERE normalized = $1`, email).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func reasonOf(t *testing.T, a answer) (reason, field string) {
	t.Helper()
	r := a.result(t)
	if len(r.Errors) != 1 {
		t.Fatalf("want one error, got %s", a.body)
	}
	reason, _ = r.Errors[0].Extensions["reason"].(string)
	return reason, r.Errors[0].Field()
}

// A mutation sent again with its Idempotency-Key (its answer was lost: "was it saved?") is
// carried out once, and the one sending it again gets the first answer, byte for byte. The
// key belongs to its token, is refused with another request, and is spent only by a
// mutation that wrote.
func TestAMutationSentAgainWithItsKeyIsCarriedOutOnce(t *testing.T) {
	s := apptest.Start(t)
	const email = "erika.once@example.test"

	first := post(t, s, apptest.AdminToken, "3f0b7c1e-key-1", createWithKey, erika(email))
	id := first.contactID(t)
	if first.replayed {
		t.Fatal("the first answer says it is replayed")
	}
	again := post(t, s, apptest.AdminToken, "3f0b7c1e-key-1", createWithKey, erika(email))
	if !bytes.Equal(again.body, first.body) || !again.replayed || again.status != http.StatusOK {
		t.Fatalf("sent again with its key: status %d, replayed %v, %s; want the first answer %s, replayed", again.status, again.replayed, again.body, first.body)
	}
	if n := recordsWith(t, s, email); n != 1 {
		t.Fatalf("records with her e-mail after the same createContact with its key twice: %d, want 1", n)
	}

	// the same key with another request: refused, nothing written
	reused := post(t, s, apptest.AdminToken, "3f0b7c1e-key-1", createWithKey, erika("erika.other@example.test"))
	if reason, field := reasonOf(t, reused); reason != "IDEMPOTENCY_KEY_REUSED" || field != "Idempotency-Key" {
		t.Fatalf("the key with another request: %s, want IDEMPOTENCY_KEY_REUSED at Idempotency-Key", reused.body)
	}
	if n := recordsWith(t, s, "erika.other@example.test"); n != 0 {
		t.Fatalf("the refused request wrote %d records", n)
	}

	// another token's key of the same name is its own
	var tok struct{ CreateAPIToken struct{ Secret string } }
	s.MustAdmin(t, &tok, `mutation { createApiToken(name: "Desk 2", role: STAFF) { secret } }`, nil)
	other := post(t, s, tok.CreateAPIToken.Secret, "3f0b7c1e-key-1", createWithKey, erika(email))
	if other.replayed || other.contactID(t) == id {
		t.Fatalf("another token's request with the same key was answered with the first token's answer: %s", other.body)
	}

	// a mutation refused with an error spends no key: corrected, it goes with the same key
	bad := post(t, s, apptest.AdminToken, "3f0b7c1e-key-2", createWithKey, erika("erika.no-at.example.test"))
	if reason, _ := reasonOf(t, bad); reason != "EMAIL_NO_AT" {
		t.Fatalf("an e-mail without @: %s", bad.body)
	}
	if fixed := post(t, s, apptest.AdminToken, "3f0b7c1e-key-2", createWithKey, erika("erika.fixed@example.test")); fixed.replayed {
		t.Fatalf("the corrected request was answered as the refused one: %s", fixed.body)
	} else {
		fixed.contactID(t)
	}

	// without a key, sending again writes again (what the key is for)
	post(t, s, apptest.AdminToken, "", createWithKey, erika("erika.nokey@example.test")).contactID(t)
	post(t, s, apptest.AdminToken, "", createWithKey, erika("erika.nokey@example.test")).contactID(t)
	if n := recordsWith(t, s, "erika.nokey@example.test"); n != 2 {
		t.Fatalf("records after createContact twice without a key: %d, want 2", n)
	}

	// a key that cannot be one
	for _, key := range []string{"with space", strings.Repeat("k", 256), "schlüssel"} {
		a := post(t, s, apptest.AdminToken, key, createWithKey, erika("erika.badkey@example.test"))
		if reason, field := reasonOf(t, a); reason != "IDEMPOTENCY_KEY_FORMAT" || field != "Idempotency-Key" {
			t.Fatalf("key %q: %s, want IDEMPOTENCY_KEY_FORMAT", key, a.body)
		}
	}
	if n := recordsWith(t, s, "erika.badkey@example.test"); n != 0 {
		t.Fatalf("requests with a bad key wrote %d records", n)
	}
}

// The same mutation sent twice at once with one key (a resend while the first still runs) is
// carried out once, and both get the same answer.
func TestAMutationSentTwiceAtOnceWithItsKeyIsCarriedOutOnce(t *testing.T) {
	s := apptest.Start(t)
	for round := range 8 {
		email := fmt.Sprintf("erika.twice-%d@example.test", round)
		key := fmt.Sprintf("twice-at-once-%d", round)
		var wg sync.WaitGroup
		answers := make([]answer, 2)
		for i := range answers {
			wg.Go(func() { answers[i] = post(t, s, apptest.AdminToken, key, createWithKey, erika(email)) })
		}
		wg.Wait()
		if n := recordsWith(t, s, email); n != 1 {
			t.Fatalf("round %d: records after the same createContact sent twice at once with one key: %d, want 1 (answers %s and %s)",
				round, n, answers[0].body, answers[1].body)
		}
		if a, b := answers[0].contactID(t), answers[1].contactID(t); a != b {
			t.Fatalf("round %d: the two answers name %s and %s, want the one record", round, a, b)
		}
		if answers[0].replayed == answers[1].replayed {
			t.Fatalf("round %d: replayed %v and %v, want exactly one answer replayed", round, answers[0].replayed, answers[1].replayed)
		}
	}
}

// A kept answer goes with the person it names: erasing her forgets it (and the request's
// digest), and the key stays spent: sent again, the request hears it was carried out.
func TestAKeptAnswerIsForgottenWithThePersonItNames(t *testing.T) {
	s := apptest.Start(t)
	const email = "erika.forget@example.test"
	id := post(t, s, apptest.AdminToken, "forget-1", createWithKey, erika(email)).contactID(t)
	conn := s.Conn(t)
	ctx := context.Background()
	var kept int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM idempotent_requests WHERE position('Mustermann' IN convert_from(response, 'UTF8')) > 0`).Scan(&kept); err != nil || kept != 1 {
		t.Fatalf("kept answers naming her: %d (%v), want 1 before the erasure", kept, err)
	}
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { eraseContact(id: $id, reason: "Art. 17 request") { contactId } }`, map[string]any{"id": id})
	var named, withDigest int
	if err := conn.QueryRow(ctx, `SELECT count(*) FILTER (WHERE response IS NOT NULL OR contact_ids <> '{}'), count(*) FILTER (WHERE digest IS NOT NULL)
		FROM idempotent_requests`).Scan(&named, &withDigest); err != nil {
		t.Fatal(err)
	}
	if named != 0 || withDigest != 0 {
		t.Fatalf("after her erasure: %d kept answers, %d digests, want none", named, withDigest)
	}
	again := post(t, s, apptest.AdminToken, "forget-1", createWithKey, erika(email))
	if reason, field := reasonOf(t, again); reason != "ALREADY_CARRIED_OUT" || field != "Idempotency-Key" {
		t.Fatalf("sent again after her erasure: %s, want ALREADY_CARRIED_OUT", again.body)
	}
	if strings.Contains(string(again.body), "Mustermann") {
		t.Fatalf("the answer after her erasure names her: %s", again.body)
	}
	if n := recordsWith(t, s, email); n != 0 {
		t.Fatalf("sent again after her erasure, it wrote %d records", n)
	}
}

// An erasure's answer names the person it erased, so it is not kept: sent again, the erasure
// hears at once that it was carried out, without waiting for an answer that will not come.
func TestAnErasureSentAgainHearsAtOnceThatItWasCarriedOut(t *testing.T) {
	s := apptest.Start(t)
	id := post(t, s, apptest.AdminToken, "", createWithKey, erika("erika.again@example.test")).contactID(t)
	const erase = `mutation($id: ID!) { eraseContact(id: $id, reason: "Art. 17 request") { contactId } }`
	first := post(t, s, apptest.AdminToken, "erase-1", erase, map[string]any{"id": id})
	if errs := first.result(t).Errors; len(errs) != 0 {
		t.Fatalf("the erasure: %v", errs)
	}
	start := time.Now()
	again := post(t, s, apptest.AdminToken, "erase-1", erase, map[string]any{"id": id})
	took := time.Since(start)
	if reason, _ := reasonOf(t, again); reason != "ALREADY_CARRIED_OUT" {
		t.Fatalf("the erasure sent again: %s, want ALREADY_CARRIED_OUT", again.body)
	}
	if took > time.Second {
		t.Errorf("the erasure sent again was answered after %v, want at once (well under a second)", took.Round(time.Millisecond))
	}
}

// Of an API token's secret only its hash is stored, and a sign-up's confirm link is a
// capability (whoever holds it confirms): answers holding either are not kept for a request
// sent again, which hears that it was carried out.
func TestAnswersHoldingASecretOrASignedLinkAreNotKept(t *testing.T) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	for _, c := range []struct{ name, mutation, secret string }{
		{"a token", `mutation { createApiToken(name: "Kasse Filiale 3", role: STAFF) { secret token { id } } }`, `"secret":"vmk_`},
		{"a sign-up", `mutation { signUp(input: {email: "erika.link@example.test", purposeKey: "newsletter", source: "web-form"}) { id confirmURL } }`, "/confirm/"},
	} {
		t.Run(c.name, func(t *testing.T) {
			key := "secret-" + strings.ReplaceAll(c.name, " ", "-")
			first := post(t, s, apptest.AdminToken, key, c.mutation, nil)
			if !strings.Contains(string(first.body), c.secret) {
				t.Fatalf("the first answer holds no %s: %s", c.secret, first.body)
			}
			var kept int
			if err := s.Conn(t).QueryRow(context.Background(), `SELECT count(*) FROM idempotent_requests
				WHERE key = $1 AND response IS NOT NULL`, key).Scan(&kept); err != nil {
				t.Fatal(err)
			}
			if kept != 0 {
				t.Errorf("its answer was kept")
			}
			again := post(t, s, apptest.AdminToken, key, c.mutation, nil)
			if reason, _ := reasonOf(t, again); reason != "ALREADY_CARRIED_OUT" {
				t.Errorf("sent again: %s, want ALREADY_CARRIED_OUT", again.body)
			}
		})
	}
}

// Keys live a day: the pruned ones go, and the key may then be used afresh.
func TestKeysArePrunedAfterADay(t *testing.T) {
	s := apptest.Start(t)
	post(t, s, apptest.AdminToken, "old-key", createWithKey, erika("erika.old@example.test")).contactID(t)
	post(t, s, apptest.AdminToken, "new-key", createWithKey, erika("erika.new@example.test")).contactID(t)
	ctx := context.Background()
	conn := s.Conn(t)
	if _, err := conn.Exec(ctx, `UPDATE idempotent_requests SET claimed_at = now() - interval '25 hours' WHERE key = 'old-key'`); err != nil {
		t.Fatal(err)
	}
	n, err := s.App.Keys.PruneKeys(ctx)
	if err != nil || n != 1 {
		t.Fatalf("PruneKeys: %d, %v; want 1 pruned", n, err)
	}
	var left []string
	rows, _ := conn.Query(ctx, `SELECT key FROM idempotent_requests ORDER BY key`)
	for rows.Next() {
		var k string
		_ = rows.Scan(&k)
		left = append(left, k)
	}
	if strings.Join(left, ",") != "new-key" {
		t.Fatalf("keys after pruning: %v, want [new-key]", left)
	}
}
