package web_test

// Red-team tests of issue 15 (hardening) for the HTTP surface: each one was run against the
// code before the fix and failed there.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/config"
	"github.com/vermerk/vermerk/server/internal/web"
)

const previewUpload = `mutation($file: Upload!) { previewImport(file: $file) { encoding } }`

// multipartBody builds a GraphQL multipart request (operations, map, one file part).
func multipartBody(t *testing.T, operations, mapPart string, file []byte) (*bytes.Buffer, string) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("operations", operations)
	_ = w.WriteField("map", mapPart)
	if file != nil {
		fw, _ := w.CreateFormFile("0", "people.csv")
		_, _ = fw.Write(file)
	}
	_ = w.Close()
	return &body, w.FormDataContentType()
}

func operations(query string) string {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": map[string]any{"file": nil}})
	return string(b)
}

// slowUpload starts a multipart upload whose file part never ends until the returned
// function is called; the response (or error) arrives on the channel.
func slowUpload(t *testing.T, s *apptest.Server, token string) (<-chan *http.Response, func()) {
	t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	go func() {
		_ = mw.WriteField("operations", operations(previewUpload))
		_ = mw.WriteField("map", `{"0": ["variables.file"]}`)
		if fw, err := mw.CreateFormFile("0", "people.csv"); err == nil { // fails once the server hung up
			_, _ = fw.Write([]byte("Vorname;Nachname;E-Mail\r\n" + strings.Repeat("Erika;Mustermann;max.muster@example.com\r\n", 100)))
		}
	}()
	got := make(chan *http.Response, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			got <- nil
			return
		}
		resp.Body.Close()
		got <- resp
	}()
	finish := func() {
		_, _ = pw.Write([]byte("\r\n"))
		_ = mw.Close()
		_ = pw.Close()
	}
	t.Cleanup(func() { _ = pw.CloseWithError(io.ErrClosedPipe) })
	return got, finish
}

// Issue 15, item 2: an upload without a token is refused before its body is read: the 401
// comes while the client is still sending.
func TestRedTeamAnonymousUploadIsRefusedBeforeItsBody(t *testing.T) {
	s := apptest.Start(t)
	got, _ := slowUpload(t, s, "")
	select {
	case resp := <-got:
		if resp == nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("response %v, want 401", resp)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("no answer within 3 s while the anonymous body is still being sent: the server reads it first")
	}
}

// Issue 15, item 2: the operations and map parts are bounded at 1 MiB, and multipart is only
// for operations that take an Upload.
func TestRedTeamMultipartIsOnlyForUploads(t *testing.T) {
	s := apptest.Start(t)
	post := func(body *bytes.Buffer, contentType string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", body)
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Authorization", "Bearer "+apptest.AdminToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	csv := []byte("Vorname;Nachname\r\nErika;Mustermann\r\n")
	padding := "# " + strings.Repeat("x", 2<<20) + "\n"
	for _, tc := range []struct {
		name, operations, mapPart, mention string
	}{
		{"operations over 1 MiB", operations(padding + previewUpload), `{"0": ["variables.file"]}`, "operations"},
		{"map over 1 MiB", operations(previewUpload), `{"0": ["variables.file"], "x": ["` + strings.Repeat("y", 2<<20) + `"]}`, "map"},
		{"no Upload variable", operations(`{ purposes { key } }`), `{}`, "Upload variable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, ct := multipartBody(t, tc.operations, tc.mapPart, csv)
			status, answer := post(body, ct)
			if status != http.StatusBadRequest || !strings.Contains(answer, tc.mention) {
				t.Errorf("status %d %.300s; want 400 naming %q", status, answer, tc.mention)
			}
		})
	}
	t.Run("an upload still works", func(t *testing.T) {
		body, ct := multipartBody(t, operations(previewUpload), `{"0": ["variables.file"]}`, csv)
		if status, answer := post(body, ct); status != 200 || !strings.Contains(answer, "encoding") {
			t.Errorf("status %d %.300s", status, answer)
		}
	})
}

// Issue 15, item 2: an upload is spooled inside VERMERK_DATA_DIR, and its file is gone when
// the request ends, on the error paths too.
func TestRedTeamUploadsSpoolInsideTheDataDir(t *testing.T) {
	s := apptest.Start(t)
	dir := filepath.Join(s.Config.DataDir, "uploads")
	spooled := func() []string {
		names, _ := filepath.Glob(filepath.Join(dir, "*"))
		return names
	}
	got, finish := slowUpload(t, s, apptest.AdminToken)
	deadline := time.Now().Add(3 * time.Second)
	for len(spooled()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no file spooled in %s while the upload is read", dir)
		}
		time.Sleep(20 * time.Millisecond)
	}
	finish()
	if resp := <-got; resp == nil || resp.StatusCode != 200 {
		t.Fatalf("upload answered %v", resp)
	}
	if left := spooled(); len(left) > 0 {
		t.Errorf("spool files left after a finished upload: %v", left)
	}
	// error path: the map names a part the request lacks, after the file was spooled
	body, ct := multipartBody(t, operations(previewUpload), `{"0": ["variables.file"], "1": ["variables.other"]}`, []byte("a;b\r\n"))
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", body)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+apptest.AdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status %d, want 400", resp.StatusCode)
	}
	if left := spooled(); len(left) > 0 {
		t.Errorf("spool files left after a refused upload: %v", left)
	}
	if tmp, _ := filepath.Glob(filepath.Join(os.TempDir(), "gqlgen-*")); len(tmp) > 0 {
		t.Logf("note: gqlgen temp files in %s (other processes?): %d", os.TempDir(), len(tmp))
	}
}

// Issue 15, item 2: one token sends at most VERMERK_UPLOADS_PER_TOKEN uploads at once.
func TestRedTeamConcurrentUploadsPerTokenAreCapped(t *testing.T) {
	s := apptest.Start(t, func(c *config.Config) { c.UploadsPerToken = 1 })
	first, finish := slowUpload(t, s, apptest.AdminToken)
	time.Sleep(300 * time.Millisecond) // the first holds its slot
	second, _ := slowUpload(t, s, apptest.AdminToken)
	select {
	case resp := <-second:
		if resp == nil || resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("second upload: %v, want 429", resp)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("a second concurrent upload of the same token is read too; the limit is 1")
	}
	finish()
	if resp := <-first; resp == nil || resp.StatusCode != 200 {
		t.Errorf("first upload: %v", resp)
	}
}

// Issue 15, item 2: a client that sends its headers slowly is cut off after 10 s.
func TestRedTeamSlowHeadersAreCutOff(t *testing.T) {
	s := apptest.Start(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: x\r\n")
	start := time.Now()
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	for { // one header line a second, never the end of the headers
		_, err := fmt.Fprintf(conn, "X-Slow-%d: 1\r\n", time.Now().UnixNano())
		if err != nil {
			break
		}
		_ = conn.SetReadDeadline(time.Now().Add(time.Second))
		if _, err := bufio.NewReader(conn).ReadByte(); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				if time.Since(start) > 15*time.Second {
					t.Fatal("the server still waits for the headers after 15 s")
				}
				continue
			}
			break // closed, or an error response
		}
		break
	}
	if took := time.Since(start); took > 12*time.Second {
		t.Errorf("cut off after %v, want about 10 s", took)
	}
}

// Issue 15, item 2: a request body must arrive within the body read timeout.
func TestRedTeamTrickledBodyIsCutOff(t *testing.T) {
	h := web.Handler(web.Routes{
		GraphQL: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := io.ReadAll(r.Body); err != nil {
				http.Error(w, err.Error(), http.StatusRequestTimeout)
			}
		}),
		BodyReadTimeout: time.Second,
	}, slog.New(slog.DiscardHandler))
	srv := httptest.NewUnstartedServer(h)
	web.ConfigureServer(srv.Config)
	srv.Start()
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
	start := time.Now()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = bufio.NewReader(conn).ReadString('\n')
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("the server still waits for the body after 10 s")
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("answered after %v, want about 1 s", took)
	}
}

// Issue 15, item 3: limits that aliases cannot dodge.
func TestRedTeamLimitsCountAliasesAndHiddenCosts(t *testing.T) {
	s := apptest.Start(t)
	var c struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	s.MustAdmin(t, &c, `mutation { createContact(input: {givenName: "Erika", familyName: "Mustermann", emails: ["max.muster@example.com"]}) { contact { id } } }`, nil)
	aliases := func(n int, field string) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			fmt.Fprintf(&b, " a%d: %s", i, field)
		}
		return b.String() + " }"
	}
	for _, tc := range []struct{ name, query, mention string }{
		{"totalCount under aliases", aliases(10, `contacts(first: 1) { totalCount }`), "complexity"},
		{"subjectAccessExport under aliases", aliases(5, fmt.Sprintf(`subjectAccessExport(contactId: %q)`, c.CreateContact.Contact.ID)), "complexity"},
		{"lists of a page", `{ contacts(first: 200) { edges { node { consents { history { at } } } } } }`, "complexity"},
		{"root fields", aliases(21, `me { role }`), "21 root fields"},
		{"root fields in a fragment", `{ ...F } fragment F on Query {` + strings.TrimSuffix(strings.TrimPrefix(aliases(21, `me { role }`), "{"), "}") + `}`, "21 root fields"},
		{"document size", "# " + strings.Repeat("x", 40<<10) + "\n{ me { role } }", "bytes long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, s.Admin(t, tc.query, nil), "COMPLEXITY_LIMIT_EXCEEDED", tc.mention)
		})
	}
	t.Run("within the limits", func(t *testing.T) {
		for _, q := range []string{aliases(9, `contacts(first: 1) { totalCount }`), aliases(20, `me { role }`),
			`{ contacts(first: 100) { totalCount edges { node { id emails lists { key } consents { status history { at } } } } } }`} {
			if res := s.Admin(t, q, nil); len(res.Errors) > 0 {
				t.Errorf("%.80s…: %+v", q, res.Errors)
			}
		}
	})
}

// Issue 15, item 3: one token runs at most VERMERK_OPS_PER_TOKEN operations at once.
func TestRedTeamConcurrentOperationsPerTokenAreCapped(t *testing.T) {
	s := apptest.Start(t, func(c *config.Config) { c.OperationsPerToken = 2 })
	tx, err := s.App.DB.Pool.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(t.Context())
	if _, err := tx.Exec(t.Context(), `LOCK TABLE purposes IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	blocked := make(chan *apptest.Result, 2)
	for range 2 { // these two wait for the lock
		go func() { blocked <- s.Admin(t, `{ purposes { key } }`, nil) }()
	}
	time.Sleep(500 * time.Millisecond)
	wantError(t, s.Admin(t, `{ me { role } }`, nil), "RATE_LIMITED", "VERMERK_OPS_PER_TOKEN")
	if err := tx.Rollback(t.Context()); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if res := <-blocked; len(res.Errors) > 0 {
			t.Errorf("a waiting operation failed: %+v", res.Errors)
		}
	}
	if res := s.Admin(t, `{ me { role } }`, nil); len(res.Errors) > 0 {
		t.Errorf("after the others answered: %+v", res.Errors)
	}
}

// Issue 15, item 10: a cursor the server did not issue is BAD_USER_INPUT (reason BAD_CURSOR,
// field after), never INTERNAL.
func TestRedTeamBadCursorIsBadUserInput(t *testing.T) {
	s := apptest.Start(t)
	s.MustAdmin(t, &struct{}{}, `mutation { createPurpose(input: {key: "newsletter", name: "Newsletter", legalBasis: CONSENT}) { id } }`, nil)
	s.MustAdmin(t, &struct{}{}, `mutation { createList(input: {key: "news", name: "News", purposeKey: "newsletter"}) { id } }`, nil)
	bad := []string{"x", "bm90LWpzb24", "WyJhIl0", "WyIiLCIiXQ", "WyJub3QtYS10aW1lIiwibm90LWEtdXVpZCJd", "%%%", strings.Repeat("A", 300)}
	for _, q := range []string{
		`query($a: String) { contacts(first: 5, after: $a) { totalCount } }`,
		`query($a: String) { contacts(search: "Muster", first: 5, after: $a) { edges { cursor } } }`,
		`query($a: String) { recipients(listKey: "news", first: 5, after: $a) { totalCount } }`,
		`query($a: String) { blacklist(first: 5, after: $a) { totalCount } }`,
		`query($a: String) { auditTrail(first: 5, after: $a) { edges { cursor } } }`,
		`query($a: String) { importJobs(first: 5, after: $a) { id } }`,
	} {
		for _, after := range bad {
			res := s.Admin(t, q, map[string]any{"a": after})
			if len(res.Errors) == 0 || res.Errors[0].Code() != "BAD_USER_INPUT" {
				t.Errorf("%.60s… after %q: %+v, want BAD_USER_INPUT", q, after, res.Errors)
				continue
			}
			if r, _ := res.Errors[0].Extensions["reason"].(string); r != "BAD_CURSOR" || res.Errors[0].Field() != "after" {
				t.Errorf("%.60s… after %q: reason %q field %q, want BAD_CURSOR on after", q, after, r, res.Errors[0].Field())
			}
		}
	}
}

// Issue 15, item 2: spool files a crash left behind are removed at the next start.
func TestRedTeamStaleUploadsAreRemovedAtStart(t *testing.T) {
	dataDir := t.TempDir()
	dir := filepath.Join(dataDir, "uploads")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	stale, fresh := filepath.Join(dir, "upload-stale"), filepath.Join(dir, "upload-fresh")
	for _, f := range []string{stale, fresh} {
		if err := os.WriteFile(f, []byte("Vorname;Nachname\r\nErika;Mustermann\r\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * time.Hour)
	_ = os.Chtimes(stale, old, old)
	apptest.Start(t, func(c *config.Config) { c.DataDir = dataDir })
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("a spool file left two hours ago is still there (%v)", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("a spool file of a running upload (another instance on this data directory) was removed: %v", err)
	}
}
