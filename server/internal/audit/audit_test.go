package audit_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const trail = `query($c: ID, $since: Time, $first: Int, $after: String) {
	auditTrail(contactId: $c, since: $since, first: $first, after: $after) {
		edges { cursor node { id at actorId actorName operation targetId outcome reason } }
		pageInfo { hasNextPage endCursor } } }`

type entry struct {
	ID, ActorID, ActorName, Operation, Outcome string
	At                                         time.Time
	TargetID, Reason                           *string
}

type trailPage struct {
	AuditTrail struct {
		Edges []struct {
			Cursor string
			Node   entry
		}
		PageInfo struct {
			HasNextPage bool
			EndCursor   *string
		}
	}
}

// all follows the pages of auditTrail to the end.
func all(t *testing.T, s *apptest.Server, vars map[string]any) []entry {
	t.Helper()
	var out []entry
	for {
		var p trailPage
		s.MustAdmin(t, &p, trail, vars)
		for _, e := range p.AuditTrail.Edges {
			out = append(out, e.Node)
		}
		if !p.AuditTrail.PageInfo.HasNextPage {
			return out
		}
		vars["after"] = *p.AuditTrail.PageInfo.EndCursor
		if len(out) > 1000 {
			t.Fatal("auditTrail does not end")
		}
	}
}

func TestAuditTrailPagesAndFilters(t *testing.T) {
	s := apptest.Start(t)
	const erika, max = "00000000-0000-4000-8000-0000000000e1", "00000000-0000-4000-8000-0000000000a2"
	ctx := t.Context()
	// Rows as services write them (store.Audit), with times spread over three days.
	for i, r := range []struct {
		contact string
		ago     time.Duration
	}{{erika, 72 * time.Hour}, {max, 60 * time.Hour}, {erika, 48 * time.Hour}, {erika, 2 * time.Hour}, {max, time.Hour}} {
		if _, err := s.App.DB.Pool.Exec(ctx, `INSERT INTO audit_log (at, actor_id, actor_name, operation, target_id, contact_id, outcome)
			VALUES (now() - make_interval(secs => $1), 'tok', 'front desk', 'updateContact', $2::text, $2::uuid, 'ok')`,
			r.ago.Seconds(), r.contact); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
	}

	every := all(t, s, map[string]any{"first": 2})
	if len(every) != 5 {
		t.Fatalf("auditTrail in pages of 2 returned %d rows, want 5", len(every))
	}
	for i := 1; i < len(every); i++ {
		if !every[i].At.Before(every[i-1].At) {
			t.Errorf("row %d (%s) is not older than row %d (%s): want newest first", i, every[i].At, i-1, every[i-1].At)
		}
	}

	onlyErika := all(t, s, map[string]any{"c": erika, "first": 1})
	if len(onlyErika) != 3 {
		t.Errorf("auditTrail(contactId) returned %d rows, want Erika's 3", len(onlyErika))
	}
	for _, e := range onlyErika {
		if e.TargetID == nil || *e.TargetID != erika {
			t.Errorf("auditTrail(contactId: erika) returned %+v", e)
		}
	}

	since := time.Now().Add(-50 * time.Hour).UTC().Format(time.RFC3339)
	recent := all(t, s, map[string]any{"c": erika, "since": since, "first": 10})
	if len(recent) != 2 {
		t.Errorf("auditTrail(contactId, since 50 h ago) returned %d rows, want 2", len(recent))
	}

	for _, c := range []struct {
		vars  map[string]any
		field string
	}{
		{map[string]any{"c": "erika@example.org"}, "contactId"},
		{map[string]any{"after": "not-a-cursor"}, "after"},
		{map[string]any{"first": 1001}, "first"},
	} {
		// a small selection, so the page size and not the complexity limit answers
		res := s.Admin(t, `query($c: ID, $first: Int, $after: String) {
			auditTrail(contactId: $c, first: $first, after: $after) { pageInfo { hasNextPage } } }`, c.vars)
		if len(res.Errors) != 1 || res.Errors[0].Code() != "BAD_USER_INPUT" || res.Errors[0].Field() != c.field {
			t.Errorf("auditTrail(%v): errors %+v; want BAD_USER_INPUT at %s", c.vars, res.Errors, c.field)
		}
	}
}

type token struct{ id, name, secret string }

func newToken(t *testing.T, s *apptest.Server, name, role string) token {
	t.Helper()
	var out struct {
		CreateAPIToken struct {
			Secret string
			Token  struct{ ID string }
		} `json:"createApiToken"`
	}
	s.MustAdmin(t, &out, `mutation($n: String!, $r: Role!) { createApiToken(name: $n, role: $r) { secret token { id } } }`,
		map[string]any{"n": name, "r": role})
	return token{out.CreateAPIToken.Token.ID, name, out.CreateAPIToken.Secret}
}

// TestEveryMutationLeavesAnAuditRow runs each mutation through a real token and looks for the
// audit row naming that token. A mutation that fails (its service not wired yet, or a
// fixture it needs missing) is skipped with the reason, so the gap shows in -v output.
func TestEveryMutationLeavesAnAuditRow(t *testing.T) {
	s := apptest.Start(t)
	staff := newToken(t, s, "front desk", "STAFF")
	admin := newToken(t, s, "data protection officer", "ADMIN")
	ids := map[string]string{}
	str := func(v any, path ...string) string {
		for _, p := range path {
			m, _ := v.(map[string]any)
			v = m[p]
		}
		s, _ := v.(string)
		return s
	}
	steps := []struct {
		op    string
		tok   token
		doc   string
		vars  func() map[string]any
		after func(data map[string]any)
		csv   string
		needs string // an id an earlier step must have produced
	}{
		{op: "createContact", tok: staff, doc: `mutation { createContact(input: {givenName: "Erika", familyName: "Mustermann", emails: ["erika.mustermann@example.org"]}) { contact { id } } }`,
			after: func(d map[string]any) { ids["contact"] = str(d, "createContact", "contact", "id") }},
		{op: "updateContact", tok: staff, doc: `mutation($id: ID!) { updateContact(id: $id, input: {organization: "Example GmbH"}) { contact { id } } }`,
			vars: func() map[string]any { return map[string]any{"id": ids["contact"]} }},
		{op: "createPurpose", tok: admin, doc: `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`},
		{op: "createList", tok: admin, doc: `mutation { createList(input: {key: "monthly", name: "Monthly", purposeKey: "newsletter"}) { id } }`},
		{op: "addToList", tok: staff, doc: `mutation($id: ID!) { addToList(contactId: $id, listKey: "monthly") { id } }`,
			vars: func() map[string]any { return map[string]any{"id": ids["contact"]} }},
		{op: "recordConsent", tok: staff, doc: `mutation($id: ID!) { recordConsent(input: {contactId: $id, purposeKey: "newsletter", source: "phone"}) { id } }`,
			vars: func() map[string]any { return map[string]any{"id": ids["contact"]} }},
		{op: "revokeConsent", tok: staff, doc: `mutation($id: ID!) { revokeConsent(input: {contactId: $id, purposeKey: "newsletter", channel: "staff"}) { id } }`,
			vars: func() map[string]any { return map[string]any{"id": ids["contact"]} }},
		{op: "removeFromList", tok: staff, doc: `mutation($id: ID!) { removeFromList(contactId: $id, listKey: "monthly") { id } }`,
			vars: func() map[string]any { return map[string]any{"id": ids["contact"]} }},
		{op: "blacklistAdd", tok: admin, doc: `mutation { blacklistAdd(candidate: {familyName: "Musterfrau", emails: ["gabi.musterfrau@example.org"]}, reason: "asked by letter") { id } }`,
			after: func(d map[string]any) { ids["entry"] = str(d, "blacklistAdd", "id") }},
		{op: "startImport", tok: staff, doc: `mutation($file: Upload!) { startImport(file: $file) { id } }`,
			csv:   "Vorname;Nachname;E-Mail\nGabi;Musterfrau;gabi.musterfrau@example.org\n",
			after: func(d map[string]any) { ids["job"] = str(d, "startImport", "id") }},
		{op: "decideImportRow", tok: staff, doc: `mutation($job: ID!) { decideImportRow(jobId: $job, line: 2, accept: false) { id } }`,
			vars: func() map[string]any { waitForDecision(t, s, ids["job"]); return map[string]any{"job": ids["job"]} }, needs: "job"},
		{op: "blacklistRemove", tok: admin, doc: `mutation($id: ID!) { blacklistRemove(id: $id, reason: "entered by mistake") { id } }`,
			vars: func() map[string]any { return map[string]any{"id": ids["entry"]} }},
		{op: "eraseContact", tok: admin, doc: `mutation($id: ID!) { eraseContact(id: $id, reason: "Art. 17 request") { contactId } }`,
			vars: func() map[string]any { return map[string]any{"id": ids["contact"]} }},
		{op: "createWebhook", tok: admin, doc: `mutation { createWebhook(input: {url: "https://hooks.example.org/vermerk", kinds: [CONSENT_REVOKED], secret: "0123456789abcdef0123"}) { id } }`,
			after: func(d map[string]any) { ids["hook"] = str(d, "createWebhook", "id") }},
		{op: "setWebhookSecret", tok: admin, doc: `mutation($id: ID!) { setWebhookSecret(id: $id, secret: "fedcba9876543210fedcba") { id } }`,
			vars: func() map[string]any { return map[string]any{"id": ids["hook"]} }},
		{op: "deleteWebhook", tok: admin, doc: `mutation($id: ID!) { deleteWebhook(id: $id) { id } }`,
			vars: func() map[string]any { return map[string]any{"id": ids["hook"]} }},
		{op: "createApiToken", tok: admin, doc: `mutation { createApiToken(name: "web shop", role: STAFF) { token { id } } }`,
			after: func(d map[string]any) { ids["token"] = str(d, "createApiToken", "token", "id") }},
		{op: "revokeApiToken", tok: admin, doc: `mutation($id: ID!) { revokeApiToken(id: $id) { id } }`,
			vars: func() map[string]any { return map[string]any{"id": ids["token"]} }},
	}
	for _, st := range steps {
		t.Run(st.op, func(t *testing.T) {
			if st.needs != "" && ids[st.needs] == "" {
				t.Skipf("no %s from an earlier step", st.needs)
			}
			vars := map[string]any{}
			if st.vars != nil {
				vars = st.vars()
			}
			var res *apptest.Result
			if st.csv != "" {
				res = upload(t, s, st.tok.secret, st.doc, vars, st.csv)
			} else {
				res = s.Do(t, st.tok.secret, st.doc, vars)
			}
			if len(res.Errors) > 0 {
				t.Fatalf("%s failed: %+v", st.op, res.Errors)
			}
			if st.after != nil {
				var d map[string]any
				_ = json.Unmarshal(res.Data, &d)
				st.after(d)
			}
			var n int
			if err := s.App.DB.Pool.QueryRow(t.Context(), `SELECT count(*) FROM audit_log
				WHERE operation = $1 AND actor_id = $2 AND actor_name = $3`, st.op, st.tok.id, st.tok.name).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				t.Errorf("%s left no audit row naming token %s (%q)", st.op, st.tok.id, st.tok.name)
			}
		})
	}
	// Erasure leaves no personal data in the trail: no e-mail, no family name.
	rows, err := s.App.DB.Pool.Query(t.Context(), `SELECT a::text FROM audit_log a`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var text string
		_ = rows.Scan(&text)
		if strings.Contains(text, "example.org") || strings.Contains(text, "Mustermann") {
			t.Errorf("audit row holds personal data: %s", text)
		}
	}
}

func waitForDecision(t *testing.T, s *apptest.Server, job string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var j struct{ ImportJob *struct{ Status string } }
		if res := s.Admin(t, `query($id: ID!) { importJob(id: $id) { status } }`, map[string]any{"id": job}); len(res.Errors) == 0 {
			_ = json.Unmarshal(res.Data, &j)
			if j.ImportJob != nil && j.ImportJob.Status != "RUNNING" {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// upload posts a GraphQL multipart request with one CSV file bound to $file.
func upload(t *testing.T, s *apptest.Server, token, query string, vars map[string]any, csv string) *apptest.Result {
	t.Helper()
	return apptest.Upload(t, s.URL, token, query, vars, "people.csv", []byte(csv))
}
