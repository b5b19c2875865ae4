package auth_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

const (
	someID = "00000000-0000-4000-8000-000000000001" // a well-formed id that names nothing
	csv    = "Vorname;Nachname;E-Mail\nErika;Mustermann;erika.import@example.org\n"
)

type kind int

const (
	query kind = iota
	upload_
	subscription
)

// operation is one row of the role matrix: which roles the issue allows to call it.
type operation struct {
	field             string
	kind              kind
	doc               string
	vars              map[string]any
	staff, integrator bool // ADMIN may call everything
}

func matrix(contactID string) []operation {
	c := map[string]any{"id": contactID}
	cand := map[string]any{"c": map[string]any{"familyName": "Musterfrau", "emails": []string{"gabi.musterfrau@example.org"}}}
	return []operation{
		{"me", query, `{ me { role } }`, nil, true, true},
		{"contact", query, `query($id: ID!) { contact(id: $id) { id } }`, c, true, false},
		{"mergedInto", query, `query($id: ID!) { mergedInto(id: $id) { id } }`, c, true, false},
		{"contacts", query, `{ contacts(first: 5) { totalCount } }`, nil, true, false},
		{"purposes", query, `{ purposes { key } }`, nil, true, true},
		{"lists", query, `{ lists { key } }`, nil, true, true},
		{"recipients", query, `{ recipients(listKey: "newsletter", first: 5) { totalCount } }`, nil, true, true},
		{"screen", query, `query($c: ContactInput!) { screen(candidate: $c) { blocked } }`, cand, true, false},
		{"unsubscribeLink", query, `query($id: ID!) { unsubscribeLink(contactId: $id, listKey: "newsletter") }`, c, true, true},
		{"importJob", query, `{ importJob(id: "` + someID + `") { id } }`, nil, true, false},
		{"importJobs", query, `{ importJobs { id } }`, nil, true, false},
		{"consentProof", query, `query($id: ID!) { consentProof(contactId: $id) { at } }`, c, true, false},
		{"subjectAccessExport", query, `query($id: ID!) { subjectAccessExport(contactId: $id) }`, c, true, false},
		{"blacklist", query, `{ blacklist(first: 5) { totalCount } }`, nil, false, false},
		{"apiTokens", query, `{ apiTokens { id } }`, nil, false, false},
		{"auditTrail", query, `{ auditTrail(first: 5) { edges { node { id } } } }`, nil, false, false},
		{"webhooks", query, `{ webhooks { id } }`, nil, false, false},
		{"webhookDeliveries", query, `{ webhookDeliveries(first: 5) { id } }`, nil, false, false},
		{"erasurePreview", query, `{ erasurePreview(id: "` + someID + `") { sameIdentifiers { id } } }`, nil, false, false},
		{"requests", query, `{ requests(first: 5) { id } }`, nil, true, false},
		{"request", query, `{ request(id: "` + someID + `") { id personRecords { named } } }`, nil, true, false},
		{"retentionDue", query, `{ retentionDue(first: 5) { totalCount } }`, nil, false, false},
		{"processingRecord", query, `{ processingRecord }`, nil, false, false},

		{"createContact", query, `mutation { createContact(input: {familyName: "Beispiel", emails: ["max.beispiel@example.org"]}) { contact { id } } }`, nil, true, false},
		{"updateContact", query, `mutation($id: ID!) { updateContact(id: $id, input: {organization: "Example GmbH"}) { contact { id } } }`, c, true, false},
		{"createPurpose", query, `mutation { createPurpose(input: {key: "events", name: "Events", legalBasis: CONSENT}) { id } }`, nil, false, false},
		{"createList", query, `mutation { createList(input: {key: "events-list", name: "Events", purposeKey: "newsletter"}) { id } }`, nil, false, false},
		{"addToList", query, `mutation($id: ID!) { addToList(contactId: $id, listKey: "newsletter") { id } }`, c, true, false},
		{"removeFromList", query, `mutation($id: ID!) { removeFromList(contactId: $id, listKey: "newsletter") { id } }`, c, true, false},
		{"recordConsent", query, `mutation($id: ID!) { recordConsent(input: {contactId: $id, purposeKey: "newsletter", source: "web form"}) { id } }`, c, true, true},
		{"revokeConsent", query, `mutation($id: ID!) { revokeConsent(input: {contactId: $id, purposeKey: "newsletter", channel: "api"}) { id } }`, c, true, true},
		{"eraseContact", query, `mutation { eraseContact(id: "` + someID + `", reason: "Art. 17 request") { contactId } }`, nil, false, false},
		{"blacklistAdd", query, `mutation($c: ContactInput!) { blacklistAdd(candidate: $c, reason: "asked by phone") { id } }`, cand, false, false},
		{"blacklistContact", query, `mutation { blacklistContact(contactId: "` + someID + `", reason: "objection by letter") { id } }`, nil, false, false},
		{"mergeContacts", query, `mutation($id: ID!) { mergeContacts(intoId: $id, fromIds: ["` + someID + `"], reason: "entered twice") { id } }`, c, true, false},
		{"addConsentText", query, `mutation { addConsentText(purposeKey: "newsletter", text: "Ja, ich möchte den Newsletter erhalten.") { version } }`, nil, false, false},
		{"signUp", query, `mutation { signUp(input: {email: "gabi.signup@example.org", purposeKey: "newsletter", source: "web-form"}) { status } }`, nil, true, true},
		{"fileRequest", query, `mutation($id: ID!) { fileRequest(input: {kind: ACCESS, contactId: $id, channel: "letter"}) { id } }`, c, true, false},
		{"extendRequest", query, `mutation { extendRequest(id: "` + someID + `", until: "2030-01-01T00:00:00Z", reason: "complex request") { id } }`, nil, false, false},
		{"completeRequest", query, `mutation { completeRequest(id: "` + someID + `", outcome: "answered by letter") { id } }`, nil, false, false},
		{"rejectRequest", query, `mutation { rejectRequest(id: "` + someID + `", reason: "identity not confirmed") { id } }`, nil, false, false},
		{"applyRetention", query, `mutation { applyRetention(dryRun: true) { due } }`, nil, false, false},
		{"blacklistRemove", query, `mutation { blacklistRemove(id: "` + someID + `", reason: "entered by mistake") { id } }`, nil, false, false},
		{"previewImport", upload_, `mutation($file: Upload!) { previewImport(file: $file) { encoding } }`, nil, true, false},
		{"startImport", upload_, `mutation($file: Upload!) { startImport(file: $file) { id } }`, nil, true, false},
		{"decideImportRow", query, `mutation { decideImportRow(jobId: "` + someID + `", line: 2, accept: false) { id } }`, nil, true, false},
		{"createApiToken", query, `mutation { createApiToken(name: "made in matrix", role: STAFF) { secret } }`, nil, false, false},
		{"revokeApiToken", query, `mutation { revokeApiToken(id: "` + someID + `") { id } }`, nil, false, false},
		{"createWebhook", query, `mutation { createWebhook(input: {url: "https://hooks.example.org/vermerk", kinds: [CONSENT_REVOKED], secret: "0123456789abcdef0123"}) { id } }`, nil, false, false},
		{"deleteWebhook", query, `mutation { deleteWebhook(id: "` + someID + `") { id } }`, nil, false, false},
		{"setWebhookSecret", query, `mutation { setWebhookSecret(id: "` + someID + `", secret: "fedcba9876543210fedcba") { id } }`, nil, false, false},

		{"revocations", subscription, `subscription { revocations { cursor } }`, nil, false, false},
		{"blacklistChanged", subscription, `subscription { blacklistChanged { id } }`, nil, true, false},
		{"importProgress", subscription, `subscription { importProgress(jobId: "` + someID + `") { id } }`, nil, true, false},
	}
}

// TestRoleMatrix proves, for every operation in the schema, that each role may call what it
// should and is refused FORBIDDEN what it should not. Only FORBIDDEN counts as refused: an
// operation whose service answers NOT_FOUND, BAD_USER_INPUT or even INTERNAL was let through.
func TestRoleMatrix(t *testing.T) {
	s := apptest.Start(t)
	newPurpose(t, s, "newsletter")
	newPurpose(t, s, "postal")
	var created struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	s.MustAdmin(t, &created, `mutation { createContact(input: {givenName: "Erika", familyName: "Mustermann",
		emails: ["erika.mustermann@example.org"]}) { contact { id } } }`, nil)
	contactID := created.CreateContact.Contact.ID

	_, staff := newToken(t, s, "matrix staff", "STAFF")
	_, integrator := newToken(t, s, "matrix integrator", "INTEGRATOR", "newsletter")
	_, admin := newToken(t, s, "matrix admin", "ADMIN")

	ops := matrix(contactID)
	checkCoversSchema(t, ops)
	for _, op := range ops {
		for _, r := range []struct {
			role, token string
			allowed     bool
		}{{"STAFF", staff, op.staff}, {"INTEGRATOR", integrator, op.integrator}, {"ADMIN", admin, true}} {
			t.Run(op.field+"/"+r.role, func(t *testing.T) {
				errs := call(t, s, r.token, op)
				forbidden := false
				for _, e := range errs {
					switch e.Code() {
					case "FORBIDDEN":
						forbidden = true
					case "GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED", "UNAUTHENTICATED":
						t.Fatalf("the test's request is wrong: %+v", e)
					}
				}
				if forbidden == r.allowed {
					t.Errorf("%s calling %s: errors %+v; want allowed=%v", r.role, op.field, errs, r.allowed)
				}
				if !r.allowed && len(errs) > 0 && !strings.Contains(errs[0].Message, "needs the role") {
					t.Errorf("refusal %q should say which role is needed", errs[0].Message)
				}
			})
		}
	}

	// Purpose binding: an INTEGRATOR of "newsletter" may not touch "postal". Each case first
	// runs as ADMIN, who must succeed; while the service behind it is not wired it cannot, and
	// the case is skipped.
	other := map[string]any{"id": contactID}
	bound := []operation{
		{"recipients", query, `{ recipients(listKey: "postal", first: 5) { totalCount } }`, nil, false, false},
		{"unsubscribeLink", query, `query($id: ID!) { unsubscribeLink(contactId: $id, listKey: "postal") }`, other, false, false},
		{"recordConsent", query, `mutation($id: ID!) { recordConsent(input: {contactId: $id, purposeKey: "postal", source: "web form"}) { id } }`, other, false, false},
		{"revokeConsent", query, `mutation($id: ID!) { revokeConsent(input: {contactId: $id, purposeKey: "postal", channel: "api"}) { id } }`, other, false, false},
	}
	for _, op := range bound {
		t.Run("purpose-bound/"+op.field, func(t *testing.T) {
			if errs := call(t, s, admin, op); len(errs) > 0 {
				t.Skipf("%s fails for ADMIN too (service not wired yet?): %+v", op.field, errs)
			}
			errs := call(t, s, integrator, op)
			if len(errs) == 0 || errs[0].Code() != "FORBIDDEN" {
				t.Errorf("INTEGRATOR of newsletter calling %s for postal: errors %+v; want FORBIDDEN", op.field, errs)
			}
		})
	}
}

func call(t *testing.T, s *apptest.Server, token string, op operation) []apptest.GQLError {
	t.Helper()
	switch op.kind {
	case upload_:
		return upload(t, s, token, op.doc, map[string]any{}, csv).Errors
	case subscription:
		return subscribe(t, s, token, op.doc, op.vars, 500*time.Millisecond)
	default:
		return s.Do(t, token, op.doc, op.vars).Errors
	}
}

// checkCoversSchema fails when the schema has an operation the matrix does not list.
func checkCoversSchema(t *testing.T, ops []operation) {
	t.Helper()
	src, err := os.ReadFile("../../../schema.graphql")
	if err != nil {
		t.Fatal(err)
	}
	schema, gqlErr := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: string(src)})
	if gqlErr != nil {
		t.Fatal(gqlErr)
	}
	listed := map[string]bool{}
	for _, op := range ops {
		listed[op.field] = true
	}
	n := 0
	for _, root := range []*ast.Definition{schema.Query, schema.Mutation, schema.Subscription} {
		for _, f := range root.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			n++
			if !listed[f.Name] {
				t.Errorf("%s.%s is missing from the role matrix; add a row saying who may call it", root.Name, f.Name)
			}
		}
	}
	if n != len(ops) {
		t.Errorf("the matrix lists %d operations, the schema has %d", len(ops), n)
	}
}
