package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vermerk/vermerk/server/internal/web"
)

// A streamed (chunked) multipart upload reaches the GraphQL handler from a file with its
// length known, so gqlgen spools large files to disk instead of reading them into memory.
func TestChunkedUploadIsSpooledWithItsLength(t *testing.T) {
	var gotLength int64
	var gotBody string
	h := web.Handler(web.Routes{
		GraphQL: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			gotLength = r.ContentLength
			b, _ := io.ReadAll(r.Body)
			gotBody = string(b)
		}),
		MaxUploadBytes: 1 << 20,
	}, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(h)
	defer srv.Close()

	post := func(body string) *http.Response {
		t.Helper()
		pr, pw := io.Pipe()
		go func() { _, _ = io.Copy(pw, strings.NewReader(body)); pw.Close() }()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", pr) // no length: chunked
		req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	body := "--x\r\nContent-Disposition: form-data; name=\"0\"; filename=\"a.csv\"\r\n\r\n" +
		strings.Repeat("Vorname;Nachname\r\n", 1000) + "--x--\r\n"
	if resp := post(body); resp.StatusCode != 200 || gotLength != int64(len(body)) || gotBody != body {
		t.Fatalf("status %d, handler saw length %d and %d bytes; want %d", resp.StatusCode, gotLength, len(gotBody), len(body))
	}
	if resp := post(strings.Repeat("x", 3<<20)); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized chunked upload: status %d, want 413", resp.StatusCode)
	}
}
