package web_test

// Red-team tests of the promise "no personal data in logs, error messages, metrics, event or
// webhook payloads": each one sends obviously made-up marker data through the real HTTP
// surface and looks for it where it must not be.

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

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
	for l := range strings.SplitSeq(text, "\n") {
		if markers.MatchString(l) {
			t.Errorf("%s holds personal data: %s", where, l)
		}
	}
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
