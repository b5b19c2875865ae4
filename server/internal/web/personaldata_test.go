package web_test

// Red-team tests of the promise "no personal data in logs, error messages, metrics, event or
// webhook payloads": each one sends obviously made-up marker data through the real HTTP
// surface and looks for it where it must not be.

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
)

// The marker person: nobody real is called so, and each marker is searched for alone.
const (
	markerGiven  = "Zyxqa"
	markerFamily = "Quorvex"
	markerEmail  = "zyxqa.marker@example.org"
	markerPhone  = "+49 30 5550 1234"
	markerStreet = "Markerweg 77"
)

// markers finds any of the marker person's data, in any case and in the forms it is stored in
// (the phone as typed and in E.164).
var markers = regexp.MustCompile(`(?i)zyxqa|quorvex|5550\s*1234|55501234|markerweg`)

// assertNoMarkers fails t for every line of text that holds marker data.
func assertNoMarkers(t *testing.T, where, text string) {
	t.Helper()
	assertNone(t, markers, where, text)
}

func get(t *testing.T, url string, header map[string]string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// The request log line names the request by what the server made of it, never by what a
// client wrote: an operation named after a person (operation names are the client's free
// text), a path a client typed an e-mail into, a query string, a Referer and a User-Agent.
// The log named operation=ZyxqaQuorvex and path=/zyxqa.marker@example.org before.
func TestRequestLogHoldsNoPersonalData(t *testing.T) {
	s := apptest.Start(t)
	var created struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	s.MustAdmin(t, &created, `mutation ZyxqaQuorvex($in: ContactInput!) { createContact(input: $in) { contact { id } } }`,
		map[string]any{"in": map[string]any{"givenName": markerGiven, "familyName": markerFamily,
			"emails": []string{markerEmail}, "phones": []string{markerPhone}}})
	s.MustAdmin(t, &struct{}{}, `query Zyxqa_Quorvex_zyxqa_marker_at_example_org($id: ID!) { contact(id: $id) { id } }`,
		map[string]any{"id": created.CreateContact.Contact.ID})
	header := map[string]string{"Referer": "https://crm.example.org/?email=" + markerEmail, "User-Agent": "Zyxqa-Browser"}
	get(t, s.URL+"/"+markerEmail+"?email="+markerEmail, header)
	get(t, s.URL+"/contacts/"+markerEmail, header)
	get(t, s.URL+"/unsubscribe/"+markerEmail, header)
	get(t, s.URL+"/confirm/"+markerEmail, header)
	get(t, s.URL+"/graphql?query=query%20Zyxqa%7B__typename%7D", header)
	get(t, s.URL+"/healthz?email="+markerEmail, header)

	log := s.Log.String()
	if !strings.Contains(log, "msg=request") {
		t.Fatalf("no request log lines:\n%s", log)
	}
	assertNoMarkers(t, "the request log", log)
	for _, want := range []string{"path=/graphql operation=createContact", "path=/graphql operation=contact", "path=/healthz"} {
		if !strings.Contains(log, want) {
			t.Errorf("the request log lacks %q:\n%s", want, log)
		}
	}
}

// An error says which field or line is wrong and why, and never quotes the value: what was
// typed is personal data, and error messages travel further than the form it was typed into
// (an integrator's logs, the import's problem list, a screenshot in a ticket). Before, every
// validation error quoted it: `e-mail "zyxqa.marker@@example.org" has more than one @`,
// `phone "+49 30 5550 1234 x" is not a valid phone number`, and an import file without a
// header row was refused with `the header (Zyxqa, Quorvex, …) has no e-mail …`.
func TestErrorsDoNotQuoteWhatWasTyped(t *testing.T) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	var created struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	s.MustAdmin(t, &created, `mutation { createContact(input: {familyName: "Beispiel"}) { contact { id } } }`, nil)
	id := created.CreateContact.Contact.ID

	address := func(postalCode, country string) map[string]any {
		return map[string]any{"street": markerStreet, "postalCode": postalCode, "city": "Berlin", "country": country}
	}
	for _, c := range []struct {
		field string
		in    map[string]any
	}{
		{"emails[0]", map[string]any{"familyName": markerFamily, "emails": []string{"zyxqa.marker@@example.org"}}},
		{"emails[0]", map[string]any{"familyName": markerFamily, "emails": []string{"Zyxqa Quorvex <" + markerEmail + ">"}}},
		{"emails[0]", map[string]any{"familyName": markerFamily, "emails": []string{"zyxqa.marker\x00@example.org"}}},
		{"phones[0]", map[string]any{"familyName": markerFamily, "phones": []string{markerPhone + " x"}}},
		{"phones[0]", map[string]any{"familyName": markerFamily, "phones": []string{markerPhone + " ext. 9"}}},
		{"address.postalCode", map[string]any{"familyName": markerFamily, "address": address("Zyxqa", "DE")}},
		{"address.country", map[string]any{"familyName": markerFamily, "address": address("10117", "Zyxqaland")}},
	} {
		for _, op := range []struct{ name, doc, prefix string }{
			{"createContact", `mutation($in: ContactInput!) { createContact(input: $in) { contact { id } } }`, "input."},
			{"updateContact", `mutation($in: ContactInput!, $id: ID!) { updateContact(id: $id, input: $in) { contact { id } } }`, "input."},
			{"screen", `query($in: ContactInput!) { screen(candidate: $in) { blocked } }`, "candidate."},
			{"blacklistAdd", `mutation($in: ContactInput!) { blacklistAdd(candidate: $in, reason: "Art. 17") { id } }`, "candidate."},
		} {
			vars := map[string]any{"in": c.in}
			if op.name == "updateContact" {
				vars["id"] = id
			}
			res := s.Admin(t, op.doc, vars)
			if len(res.Errors) == 0 || res.Errors[0].Field() != op.prefix+c.field || res.Errors[0].Code() != "BAD_USER_INPUT" {
				t.Errorf("%s with a bad %s: %+v, want BAD_USER_INPUT at %s%s", op.name, c.field, res.Errors, op.prefix, c.field)
			}
			for _, e := range res.Errors {
				assertNoMarkers(t, op.name+"'s error at "+e.Field(), e.Message)
			}
		}
	}

	res := s.Admin(t, `mutation($e: String!) { signUp(input: {email: $e, givenName: "Zyxqa", purposeKey: "newsletter", source: "form"}) { id } }`,
		map[string]any{"e": "zyxqa.marker@@example.org"})
	if len(res.Errors) != 1 || res.Errors[0].Field() != "input.email" {
		t.Errorf("signUp with a bad e-mail: %+v, want an error at input.email", res.Errors)
	}
	for _, e := range res.Errors {
		assertNoMarkers(t, "signUp's error", e.Message)
	}

	// Values the GraphQL layer itself refuses (a literal of the wrong type in the query's text,
	// a variable that is no value of its enum or type): gqlparser's messages quoted them, as
	// `String cannot represent a non string value: Zyxqa` and `Zyxqa is not a valid LegalBasis`.
	for _, c := range []struct {
		doc  string
		vars map[string]any
		want string // what the message still says
	}{
		{`mutation { createContact(input: {familyName: Zyxqa}) { contact { id } } }`, nil, "String cannot represent a non string value."},
		{`mutation { createContact(input: {familyName: 4955501234}) { contact { id } } }`, nil, "String cannot represent a non string value."},
		{`{ contacts(first: "Quorvex") { totalCount } }`, nil, "Int cannot represent non-integer value."},
		{`mutation { createPurpose(input: {key: "k", name: "n", legalBasis: Zyxqa}) { id } }`, nil, `The value does not exist in "LegalBasis!" enum.`},
		{`mutation { createPurpose(input: {key: "k", name: "n", legalBasis: "Zyxqa"}) { id } }`, nil, `Enum "LegalBasis!" cannot represent non-enum value.`},
		{`mutation($b: LegalBasis!) { createPurpose(input: {key: "k", name: "n", legalBasis: $b}) { id } }`,
			map[string]any{"b": "Zyxqa Quorvex"}, "the value is not a valid LegalBasis"},
		{`query($n: Int) { contacts(first: $n) { totalCount } }`, map[string]any{"n": 4955501234.5}, "cannot use the number as Int"},
	} {
		res := s.Admin(t, c.doc, c.vars)
		if len(res.Errors) == 0 || res.Errors[0].Code() != "GRAPHQL_VALIDATION_FAILED" || res.Errors[0].Message != c.want {
			t.Errorf("%s %v: %+v, want GRAPHQL_VALIDATION_FAILED %q", c.doc, c.vars, res.Errors, c.want)
		}
		for _, e := range res.Errors {
			assertNoMarkers(t, "the error of "+c.doc, e.Message)
		}
	}

	// A body that is not JSON (a client's bug, cut off in the middle of a contact).
	cut := `{"query": "mutation($in: ContactInput!) { createContact(input: $in) { contact { id } } }", "variables": {"in": {"familyName": "Quorvex", "emails": ["` + markerEmail + `"`
	resp, err := http.Post(s.URL+"/graphql", "application/json", strings.NewReader(cut))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a body cut off: %d %s, want 400", resp.StatusCode, body)
	}
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", strings.NewReader(cut))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+apptest.AdminToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a body cut off: %d %s, want 400", resp.StatusCode, body)
	}
	assertNoMarkers(t, "the answer to a body that is not JSON", string(body))

	// A file without a header row: its first line is a person.
	noHeader := []byte("Zyxqa;Quorvex;" + markerEmail + "\r\nAnna;Beispiel;anna.beispiel@example.org\r\n")
	for _, op := range []string{`mutation($file: Upload!) { previewImport(file: $file) { encoding } }`,
		`mutation($file: Upload!) { startImport(file: $file) { id } }`} {
		res := apptest.Upload(t, s.URL, apptest.AdminToken, op, nil, "people.csv", noHeader)
		if len(res.Errors) != 1 || res.Errors[0].Extensions["reason"] != "IMPORT_HEADER_UNKNOWN" {
			t.Errorf("a file without a header: %+v, want IMPORT_HEADER_UNKNOWN", res.Errors)
		}
		for _, e := range res.Errors {
			assertNoMarkers(t, "the import's error", e.Message)
		}
	}

	// The problems of an import name line and field, not the value.
	file := []byte("Vorname;Nachname;E-Mail;Telefon;PLZ;Ort;Straße\r\n" +
		"Zyxqa;Quorvex;zyxqa.marker@@example.org;;;;\r\n" +
		"Zyxqa;Quorvex;;" + markerPhone + " x;;;\r\n" +
		"Zyxqa;Quorvex;;;Zyxqa;Berlin;" + markerStreet + "\r\n")
	var job struct{ StartImport struct{ ID string } }
	apptest.Upload(t, s.URL, apptest.AdminToken, `mutation($file: Upload!) { startImport(file: $file) { id } }`, nil, "people.csv", file).Decode(t, &job)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var got struct {
			ImportJob struct {
				Status   string
				Problems []struct {
					Line          int
					Code, Message string
				}
			}
		}
		s.MustAdmin(t, &got, `query($id: ID!) { importJob(id: $id) { status problems { line code message } } }`, map[string]any{"id": job.StartImport.ID})
		if got.ImportJob.Status == "DONE" {
			if len(got.ImportJob.Problems) != 3 {
				t.Errorf("problems %+v, want one on each of lines 2 to 4", got.ImportJob.Problems)
			}
			for _, p := range got.ImportJob.Problems {
				assertNoMarkers(t, fmt.Sprintf("the problem of line %d", p.Line), p.Message)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("import job %+v not done after 30 s", got.ImportJob)
		}
	}
	assertNoMarkers(t, "the log", s.Log.String())
}

// After her erasure nothing of the marker person is left anywhere: not in any table of the
// database (events, audit, consents of others, import jobs, sign-ups, webhook deliveries), not
// in the log, not in a webhook payload, not in the metrics. She went every way in first: staff
// entry with a consent, a list and a request, a sign-up, an import file named after her.
func TestErasureLeavesNoPersonalDataAnywhere(t *testing.T) {
	hook := newHookRecorder(t)
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news", name: "News", purposeKey: "newsletter"}) { id } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation($u: String!) { createWebhook(input: {url: $u, kinds: [CONSENT_REVOKED, CONTACT_ERASED, CONTACT_BLOCKED],
		secret: "0123456789abcdef0123"}) { id } }`, map[string]any{"u": hook.URL})

	var created struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	s.MustAdmin(t, &created, `mutation($in: ContactInput!) { createContact(input: $in) { contact { id } } }`,
		map[string]any{"in": map[string]any{"givenName": markerGiven, "familyName": markerFamily, "emails": []string{markerEmail},
			"phones": []string{markerPhone}, "address": map[string]any{"street": markerStreet, "postalCode": "10117", "city": "Berlin"}}})
	id := created.CreateContact.Contact.ID
	vars := map[string]any{"id": id}
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { recordConsent(input: {contactId: $id, purposeKey: "newsletter", source: "fair",
		evidence: "signed by Zyxqa Quorvex at the fair"}) { id } }`, vars)
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { addToList(contactId: $id, listKey: "news") { id } }`, vars)
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { fileRequest(input: {kind: ACCESS, contactId: $id, channel: "phone", note: "Zyxqa Quorvex called"}) { id } }`, vars)
	s.MustAdmin(t, &struct{}{}, `mutation { signUp(input: {email: "Zyxqa.Marker+news@example.org", givenName: "Zyxqa", familyName: "Quorvex",
		purposeKey: "newsletter", listKey: "news", source: "web-form", userAgent: "Zyxqa-Browser", ip: "192.0.2.7"}) { id } }`, nil)
	file := "Vorname;Nachname;E-Mail;Telefon;Einwilligung\r\n" +
		"Anna;Beispiel;anna.beispiel@example.net;;newsletter\r\n" +
		"Zyxqa;Quorvex;" + markerEmail + ";;newsletter\r\n" +
		"Zyxqa;Quorvex;;" + markerPhone + " x;\r\n"
	var job struct{ StartImport struct{ ID string } }
	apptest.Upload(t, s.URL, apptest.AdminToken, `mutation($file: Upload!) { startImport(file: $file, listKey: "news") { id } }`, nil,
		"Kontakte von Zyxqa Quorvex.csv", []byte(file)).Decode(t, &job)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var got struct{ ImportJob struct{ Status string } }
		s.MustAdmin(t, &got, `query($id: ID!) { importJob(id: $id) { status } }`, map[string]any{"id": job.StartImport.ID})
		if got.ImportJob.Status == "DONE" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("import job %+v not done after 30 s", got.ImportJob)
		}
	}
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { revokeConsent(input: {contactId: $id, purposeKey: "newsletter", channel: "phone"}) { id } }`, vars)
	s.MustAdmin(t, &struct{}{}, `mutation($id: ID!) { eraseContact(id: $id, reason: "Art. 17 request, ticket 4711") { contactId } }`, vars)

	conn := s.Conn(t)
	assertNoMarkers(t, "a webhook payload", hook.delivered(t, conn, 2))
	assertNoneInDatabase(t, conn, markers)
	assertNoneInLogAndMetrics(t, markers, "the instance", s)
}
