package store_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/generated"
	"github.com/vermerk/vermerk/server/internal/apptest"
)

// keyedMutation is one mutation of the schema sent twice with one Idempotency-Key: prepare
// writes what it needs (without a key) and returns the request.
type keyedMutation struct {
	prepare func(t *testing.T, f *fixture) (query string, vars map[string]any)
	// forgotten: the first answer is not kept — it names a person who is gone after it (an
	// erasure) or holds a secret (a new API token's) or a signed link (a sign-up's confirm
	// link) — and the request sent again hears
	// ALREADY_CARRIED_OUT instead of it.
	forgotten bool
	// file, when set, is sent as $file of a multipart request (an upload).
	file []byte
	// readAgain: the mutation writes nothing (previewImport), so its key is never spent: sent
	// again it is carried out again, with the same answer, not marked replayed.
	readAgain bool
	// settle waits, after the first request, until what it started in the background is done
	// (an import's job), so that the tables compared hold still.
	settle func(t *testing.T, f *fixture, first answer)
}

// notKeyed are the schema's mutations an Idempotency-Key does not cover, and why.
var notKeyed = map[string]string{}

// Every mutation of the schema that writes, sent twice with one Idempotency-Key over HTTP, is
// carried out once: the second answer is the first, byte for byte, marked
// Idempotent-Replayed, and the second request writes nothing at all (every table of the
// database holds what it held before it). The schema's Mutation type is walked, so a new
// mutation fails here until it has a case or is listed in notKeyed with its reason.
func TestEveryMutationSentTwiceWithItsKeyIsCarriedOutOnce(t *testing.T) {
	s := apptest.Start(t)
	f := &fixture{s: s}
	f.admin(t, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	f.admin(t, `mutation { createList(input: {key: "news", name: "News", purposeKey: "newsletter"}) { id } }`, nil)

	cases := keyedMutations()
	mutations := generated.NewExecutableSchema(generated.Config{}).Schema().Mutation.Fields
	for _, field := range mutations {
		name := field.Name
		if _, ok := notKeyed[name]; ok {
			continue
		}
		c, ok := cases[name]
		if !ok {
			t.Errorf("mutation %s has no case here: add one, or list it in notKeyed with the reason", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			query, vars := c.prepare(t, f)
			key := "every-mutation-" + name
			send := func() answer {
				if c.file != nil {
					return postUpload(t, s, apptest.AdminToken, key, query, vars, name+".csv", c.file)
				}
				return post(t, s, apptest.AdminToken, key, query, vars)
			}
			first := send()
			if r := first.result(t); first.status != http.StatusOK || len(r.Errors) > 0 || first.replayed {
				t.Fatalf("the first %s: status %d, replayed %v, %s", name, first.status, first.replayed, first.body)
			}
			if c.settle != nil {
				c.settle(t, f, first)
			}
			before := f.tables(t)
			again := send()
			switch {
			case c.forgotten:
				if reason, _ := reasonOf(t, again); reason != "ALREADY_CARRIED_OUT" {
					t.Errorf("%s sent again: %s, want ALREADY_CARRIED_OUT", name, again.body)
				}
			case c.readAgain:
				if !bytes.Equal(again.body, first.body) || again.replayed || again.status != http.StatusOK {
					t.Errorf("%s sent again: status %d, replayed %v, %s; want the same answer %s, not replayed", name, again.status, again.replayed, again.body, first.body)
				}
			case !bytes.Equal(again.body, first.body) || !again.replayed || again.status != http.StatusOK:
				t.Errorf("%s sent again: status %d, replayed %v, %s; want the first answer %s, replayed", name, again.status, again.replayed, again.body, first.body)
			}
			if changed := f.changedSince(t, before); len(changed) > 0 {
				t.Errorf("%s sent again with its key wrote to %s", name, strings.Join(changed, ", "))
			}
		})
	}
	for name := range cases {
		if mutations.ForName(name) == nil {
			t.Errorf("case %s names no mutation of the schema", name)
		}
	}
}

// fixture writes what a case needs through the server, without a key.
type fixture struct {
	s *apptest.Server
	n int
}

func (f *fixture) admin(t *testing.T, query string, vars map[string]any) map[string]any {
	t.Helper()
	var out map[string]any
	f.s.MustAdmin(t, &out, query, vars)
	return out
}

// contact creates one more fake person and returns her id.
func (f *fixture) contact(t *testing.T) string {
	t.Helper()
	f.n++
	var out struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	f.s.MustAdmin(t, &out, `mutation($in: ContactInput!) { createContact(input: $in) { contact { id } } }`,
		erika(fmt.Sprintf("erika.keyed-%d@example.test", f.n)))
	return out.CreateContact.Contact.ID
}

// id runs query as ADMIN and returns the id at path (field names, outermost first; in a list,
// its first element's).
func (f *fixture) id(t *testing.T, query string, vars map[string]any, path ...string) string {
	t.Helper()
	var v any = f.admin(t, query, vars)
	for _, p := range path {
		if list, ok := v.([]any); ok { // the first of a list
			v = list[0]
		}
		v = v.(map[string]any)[p]
	}
	return v.(string)
}

func (f *fixture) request(t *testing.T, contactID string) string {
	t.Helper()
	return f.id(t, `mutation($c: ID) { fileRequest(input: {kind: ACCESS, contactId: $c, channel: "letter"}) { id } }`,
		map[string]any{"c": contactID}, "fileRequest", "id")
}

func (f *fixture) webhook(t *testing.T) string {
	t.Helper()
	return f.id(t, `mutation { createWebhook(input: {url: "https://hooks.example.org/vermerk", kinds: [CONSENT_REVOKED], secret: "0123456789abcdef0123"}) { id } }`,
		nil, "createWebhook", "id")
}

// tables is every row of every table of the database, as text, by table.
func (f *fixture) tables(t *testing.T) map[string]string {
	t.Helper()
	ctx := context.Background()
	conn := f.s.Conn(t)
	rows, err := conn.Query(ctx, `SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
		WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, n := range names {
		var content string
		if err := conn.QueryRow(ctx, `SELECT coalesce(string_agg(r::text, E'\n' ORDER BY r::text), '') FROM `+n+` r`).Scan(&content); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		out[n] = content
	}
	return out
}

// changedSince names the tables whose rows differ from before.
func (f *fixture) changedSince(t *testing.T, before map[string]string) []string {
	t.Helper()
	var changed []string
	for n, rows := range f.tables(t) {
		if before[n] != rows {
			changed = append(changed, n)
		}
	}
	slices.Sort(changed)
	return changed
}

func keyedMutations() map[string]keyedMutation {
	one := func(query string, vars func(t *testing.T, f *fixture) map[string]any) keyedMutation {
		return keyedMutation{prepare: func(t *testing.T, f *fixture) (string, map[string]any) { return query, vars(t, f) }}
	}
	none := func(*testing.T, *fixture) map[string]any { return nil }
	contact := func(t *testing.T, f *fixture) map[string]any { return map[string]any{"id": f.contact(t)} }
	onList := func(t *testing.T, f *fixture) map[string]any {
		id := f.contact(t)
		f.admin(t, `mutation($id: ID!) { addToList(contactId: $id, listKey: "news") { id } }`, map[string]any{"id": id})
		return map[string]any{"id": id}
	}
	request := func(t *testing.T, f *fixture) map[string]any { return map[string]any{"id": f.request(t, f.contact(t))} }
	webhook := func(t *testing.T, f *fixture) map[string]any { return map[string]any{"id": f.webhook(t)} }
	return map[string]keyedMutation{
		"createContact": one(`mutation($in: ContactInput!) { createContact(input: $in) { contact { id familyName } screening { blocked } } }`,
			func(*testing.T, *fixture) map[string]any { return erika("erika.keyed-new@example.test") }),
		"updateContact":  one(`mutation($id: ID!) { updateContact(id: $id, input: {organization: "Muster GmbH"}) { contact { id organization updatedAt } } }`, contact),
		"createPurpose":  one(`mutation { createPurpose(input: {key: "postal", name: "Post", legalBasis: CONSENT}) { id key } }`, none),
		"createList":     one(`mutation { createList(input: {key: "news-2", name: "News 2", purposeKey: "newsletter"}) { id key } }`, none),
		"addToList":      one(`mutation($id: ID!) { addToList(contactId: $id, listKey: "news") { id lists { key } } }`, contact),
		"removeFromList": one(`mutation($id: ID!) { removeFromList(contactId: $id, listKey: "news") { id lists { key } } }`, onList),
		"recordConsent":  one(`mutation($id: ID!) { recordConsent(input: {contactId: $id, purposeKey: "newsletter", source: "phone"}) { id status history { at } } }`, contact),
		"revokeConsent": one(`mutation($id: ID!) { revokeConsent(input: {contactId: $id, purposeKey: "newsletter", channel: "phone"}) { id status revokedAt } }`,
			func(t *testing.T, f *fixture) map[string]any {
				id := f.contact(t)
				f.admin(t, `mutation($id: ID!) { recordConsent(input: {contactId: $id, purposeKey: "newsletter", source: "phone"}) { id } }`, map[string]any{"id": id})
				return map[string]any{"id": id}
			}),
		"eraseContact": {forgotten: true, prepare: func(t *testing.T, f *fixture) (string, map[string]any) {
			return `mutation($id: ID!) { eraseContact(id: $id, reason: "Art. 17 request") { contactId erasedAt } }`, contact(t, f)
		}},
		"blacklistContact": one(`mutation($id: ID!) { blacklistContact(contactId: $id, reason: "objection by letter") { id createdAt } }`, contact),
		"mergeContacts": one(`mutation($into: ID!, $from: ID!) { mergeContacts(intoId: $into, fromIds: [$from], reason: "the same person") { id updatedAt } }`,
			func(t *testing.T, f *fixture) map[string]any {
				return map[string]any{"into": f.contact(t), "from": f.contact(t)}
			}),
		"addConsentText": one(`mutation { addConsentText(purposeKey: "newsletter", text: "Ja, ich möchte den Newsletter erhalten.") { version createdAt } }`, none),
		"signUp":         {forgotten: true, prepare: one(`mutation { signUp(input: {email: "erika.signup@example.test", purposeKey: "newsletter", source: "web-form"}) { id status confirmURL } }`, none).prepare},
		"fileRequest":    one(`mutation($id: ID!) { fileRequest(input: {kind: ACCESS, contactId: $id, channel: "letter"}) { id dueAt } }`, contact),
		"extendRequest": one(`mutation($id: ID!, $until: Time!) { extendRequest(id: $id, until: $until, reason: "complex request") { id extendedTo } }`,
			func(t *testing.T, f *fixture) map[string]any {
				return map[string]any{"id": f.request(t, f.contact(t)), "until": time.Now().AddDate(0, 2, 0).UTC().Format(time.RFC3339)}
			}),
		"completeRequest": one(`mutation($id: ID!) { completeRequest(id: $id, outcome: "copy sent by letter") { id status closedAt } }`, request),
		"rejectRequest":   one(`mutation($id: ID!) { rejectRequest(id: $id, reason: "manifestly unfounded") { id status closedAt } }`, request),
		"applyRetention":  one(`mutation { applyRetention(dryRun: false) { dryRun due deleted } }`, none),
		"blacklistAdd":    one(`mutation { blacklistAdd(candidate: {emails: ["max.keyed@example.test"]}, reason: "asked by phone") { id createdAt } }`, none),
		"blacklistRemove": one(`mutation($id: ID!) { blacklistRemove(id: $id, reason: "entered by mistake") { id } }`,
			func(t *testing.T, f *fixture) map[string]any {
				return map[string]any{"id": f.id(t, `mutation { blacklistAdd(candidate: {emails: ["max.remove@example.test"]}, reason: "asked by phone") { id } }`,
					nil, "blacklistAdd", "id")}
			}),
		"decideImportRow": one(`mutation($job: ID!) { decideImportRow(jobId: $job, line: 2, accept: false) { id status held } }`,
			func(t *testing.T, f *fixture) map[string]any {
				f.admin(t, `mutation { blacklistAdd(candidate: {emails: ["max.held@example.test"]}, reason: "asked by phone") { id } }`, nil)
				if status := f.s.Import(t, "held.csv", []byte("Vorname;Nachname;E-Mail\nMax;Mustermann;max.held@example.test\n")); status != "NEEDS_DECISION" {
					t.Fatalf("the import with a blacklisted row: %s, want NEEDS_DECISION", status)
				}
				return map[string]any{"job": f.id(t, `query { importJobs(first: 1) { id } }`, nil, "importJobs", "id")}
			}),
		"createApiToken": {forgotten: true, prepare: one(`mutation { createApiToken(name: "Desk keyed", role: STAFF) { secret token { id name } } }`, none).prepare},
		"revokeApiToken": one(`mutation($id: ID!) { revokeApiToken(id: $id) { id revokedAt } }`,
			func(t *testing.T, f *fixture) map[string]any {
				return map[string]any{"id": f.id(t, `mutation { createApiToken(name: "Desk revoked", role: STAFF) { token { id } } }`, nil, "createApiToken", "token", "id")}
			}),
		"startImport": {
			prepare: one(`mutation($file: Upload!, $list: String) { startImport(file: $file, listKey: $list) { id status total } }`,
				func(*testing.T, *fixture) map[string]any { return map[string]any{"list": "news"} }).prepare,
			file: []byte("Vorname;Nachname;E-Mail\nErika;Mustermann;erika.keyed-import@example.test\n"),
			settle: func(t *testing.T, f *fixture, first answer) {
				t.Helper()
				id := first.jobID(t)
				if status := f.s.AwaitImport(t, id); status == "RUNNING" {
					t.Fatalf("the import %s still runs after 30 s", id)
				}
			},
		},
		"previewImport": {
			prepare:   one(`mutation($file: Upload!) { previewImport(file: $file) { encoding separator headers rows { email } } }`, none).prepare,
			file:      []byte("Vorname;Nachname;E-Mail\nErika;Mustermann;erika.keyed-preview@example.test\n"),
			readAgain: true,
		},
		"createWebhook":    one(`mutation { createWebhook(input: {url: "https://hooks.example.org/keyed", kinds: [CONSENT_REVOKED], secret: "0123456789abcdef0123"}) { id createdAt } }`, none),
		"deleteWebhook":    one(`mutation($id: ID!) { deleteWebhook(id: $id) { id } }`, webhook),
		"setWebhookSecret": one(`mutation($id: ID!) { setWebhookSecret(id: $id, secret: "fedcba9876543210fedcba") { id } }`, webhook),
	}
}
