package web_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/web/graphiql"
)

// graphiQLPage fetches the GraphiQL page of a running server: its body and headers.
func graphiQLPage(t *testing.T, s *apptest.Server) (string, http.Header) {
	t.Helper()
	resp, err := http.Get(s.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %s; want 200 text/html", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return string(raw), resp.Header
}

// cspDirectives splits a Content-Security-Policy into its directives' sources.
func cspDirectives(csp string) map[string][]string {
	out := map[string][]string{}
	for _, d := range strings.Split(csp, ";") {
		fields := strings.Fields(d)
		if len(fields) > 0 {
			out[fields[0]] = fields[1:]
		}
	}
	return out
}

var (
	// assetRef is a file the page loads: <script src> or <link href>.
	assetRef    = regexp.MustCompile(`<(script|link)\b[^>]*\b(?:src|href)="([^"]*)"`)
	anyURL      = regexp.MustCompile(`(?i)[a-z][a-z0-9+.-]*://|(?:src|href|action)\s*=\s*["']?//`)
	inlineJS    = regexp.MustCompile(`(?s)<script>(.*?)</script>`)
	styleNonce  = regexp.MustCompile(`<style\b[^>]*\bnonce="([^"]+)"`)
	pageFetcher = regexp.MustCompile(`url: location\.origin \+ "([^"]+)"`)
)

// TestGraphiQLLoadsNothingFromAnotherHost: GraphiQL is served from the binary. Its page names
// no URL of another host (no scheme://, no protocol-relative //host), every file it loads is
// under the server's asset path, and its Content-Security-Policy allows no other host either:
// a browser opening it tells no third party the admin's address, and it works offline.
func TestGraphiQLLoadsNothingFromAnotherHost(t *testing.T) {
	s := apptest.Start(t)
	page, h := graphiQLPage(t, s)
	for _, m := range anyURL.FindAllStringIndex(page, -1) {
		t.Errorf("the page names an absolute URL: %q", page[m[0]:min(m[1]+40, len(page))])
	}
	refs := assetRef.FindAllStringSubmatch(page, -1)
	if len(refs) < 4 { // React, ReactDOM, GraphiQL's script and its stylesheet
		t.Errorf("the page loads %d files; want GraphiQL's script and CSS, React and ReactDOM", len(refs))
	}
	for _, m := range refs {
		if !strings.HasPrefix(m[2], graphiql.AssetPrefix) {
			t.Errorf("the page loads %s; want only files under %s", m[2], graphiql.AssetPrefix)
		}
	}

	csp := cspDirectives(h.Get("Content-Security-Policy"))
	for _, d := range []string{"default-src", "frame-ancestors", "base-uri", "form-action"} {
		if !slices.Equal(csp[d], []string{"'none'"}) {
			t.Errorf("CSP %s %v; want 'none'", d, csp[d])
		}
	}
	for d, sources := range csp {
		for _, src := range sources {
			ok := src == "'self'" || src == "'none'" || strings.HasPrefix(src, "'sha256-") ||
				strings.HasPrefix(src, "'nonce-") || src == "data:" && (d == "font-src" || d == "img-src")
			if !ok {
				t.Errorf("CSP %s allows %s; want only 'self', hashes and nonces (and data: for fonts and images)", d, src)
			}
		}
	}
	if !slices.Contains(csp["connect-src"], "'self'") {
		t.Errorf("CSP connect-src %v: GraphiQL could not reach /graphql", csp["connect-src"])
	}
	if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options %q; want nosniff", got)
	}
	if got := h.Get("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("Referrer-Policy %q; want no-referrer", got)
	}
}

// TestGraphiQLInlineCodeIsPinned: the page's inline script runs because script-src names its
// hash (and nothing lets another inline script run); its inline styles need the response's
// nonce, which is new on every response.
func TestGraphiQLInlineCodeIsPinned(t *testing.T) {
	s := apptest.Start(t)
	page, h := graphiQLPage(t, s)
	script := cspDirectives(h.Get("Content-Security-Policy"))["script-src"]
	inline := inlineJS.FindAllStringSubmatch(page, -1)
	if len(inline) == 0 {
		t.Fatal("the page has no inline script; the test looks for the one that starts GraphiQL")
	}
	for _, m := range inline {
		sum := sha256.Sum256([]byte(m[1]))
		if h := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !slices.Contains(script, h) {
			t.Errorf("script-src %v does not allow the inline script (%s)", script, h)
		}
	}
	if want := 1 + len(inline); len(script) != want {
		t.Errorf("script-src %v; want 'self' and the hash of each inline script", script)
	}
	for _, src := range script {
		if strings.HasPrefix(src, "'nonce-") || strings.Contains(src, "unsafe") {
			t.Errorf("script-src allows %s", src)
		}
	}

	nonces := map[string]bool{}
	for range 2 {
		page, h := graphiQLPage(t, s)
		style := cspDirectives(h.Get("Content-Security-Policy"))["style-src"]
		m := styleNonce.FindStringSubmatch(page)
		if m == nil {
			t.Fatal("the page's <style> has no nonce")
		}
		if !slices.Equal(style, []string{"'self'", "'nonce-" + m[1] + "'"}) {
			t.Errorf("style-src %v; want 'self' and the nonce of the page's <style> (%s)", style, m[1])
		}
		nonces[m[1]] = true
	}
	if len(nonces) != 2 {
		t.Errorf("two responses had the same nonce %v", nonces)
	}
}

// checksums reads graphiql/SHA256SUMS: file name under the asset path → sha256 in hex.
func checksums(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open("graphiql/SHA256SUMS")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sums := map[string]string{}
	for sc := bufio.NewScanner(f); sc.Scan(); {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("SHA256SUMS line %q", sc.Text())
		}
		sums[name] = sum
	}
	if len(sums) == 0 {
		t.Fatal("SHA256SUMS is empty")
	}
	return sums
}

// TestGraphiQLAssetsAreServed: every file the page loads is served with 200, the Content-Type
// a browser needs to run or apply it under nosniff, a year's cache (its name carries its
// version) and an ETag that answers 304, and is byte for byte the file SHA256SUMS lists.
func TestGraphiQLAssetsAreServed(t *testing.T) {
	s := apptest.Start(t)
	page, _ := graphiQLPage(t, s)
	sums := checksums(t)
	for _, m := range assetRef.FindAllStringSubmatch(page, -1) {
		resp, err := http.Get(s.URL + m[2])
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := "text/javascript; charset=utf-8"
		if m[1] == "link" {
			want = "text/css; charset=utf-8"
		}
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != want {
			t.Errorf("GET %s: %d %q; want 200 %q", m[2], resp.StatusCode, resp.Header.Get("Content-Type"), want)
			continue
		}
		if got := resp.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("GET %s: Cache-Control %q; want a year, immutable", m[2], got)
		}
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options %q; want nosniff", m[2], got)
		}
		sum := sha256.Sum256(body)
		if name := strings.TrimPrefix(m[2], graphiql.AssetPrefix); hex.EncodeToString(sum[:]) != sums[name] {
			t.Errorf("GET %s: sha256 %x; SHA256SUMS lists %q for %s", m[2], sum, sums[name], name)
		}

		etag := resp.Header.Get("ETag")
		req, _ := http.NewRequest(http.MethodGet, s.URL+m[2], nil)
		req.Header.Set("If-None-Match", etag)
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if etag == "" || resp.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s with If-None-Match %q: %d; want 304", m[2], etag, resp.StatusCode)
		}
	}
	for _, path := range []string{"graphiql-4.1.2/nothing.js", "", "../SHA256SUMS", "graphiql-4.1.2"} {
		resp, err := http.Get(s.URL + graphiql.AssetPrefix + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s%s: %d; want 404", graphiql.AssetPrefix, path, resp.StatusCode)
		}
	}
}

// TestGraphiQLTalksToTheServer: the endpoint the page's fetcher is given answers a query with
// the bearer token an admin pastes into the headers editor, and a WebSocket on the same path
// (GraphiQL's subscriptions) accepts the token as GraphiQL sends it: the editor's headers as
// connection_init payload, from the page's origin.
func TestGraphiQLTalksToTheServer(t *testing.T) {
	s := apptest.Start(t)
	page, _ := graphiQLPage(t, s)
	m := pageFetcher.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the page gives its fetcher no URL on this server (url: location.origin + …)")
	}
	var endpoint string
	if err := json.Unmarshal([]byte(`"`+m[1]+`"`), &endpoint); err != nil {
		t.Fatal(err)
	}
	if endpoint != "/graphql" {
		t.Fatalf("the page talks to %q; want /graphql", endpoint)
	}
	if !strings.Contains(page, "subscriptionUrl: wsProto + '//' + location.host + "+`"`+m[1]+`"`) {
		t.Errorf("the page's subscriptions do not go to %s on this server", endpoint)
	}
	var out struct{ Purposes []struct{ Key string } }
	s.MustAdmin(t, &out, `{ purposes { key } }`, nil)

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, s.WSURL(), &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"},
		HTTPHeader:   http.Header{"Origin": {s.URL}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if err := wsjson.Write(ctx, ws, map[string]any{"type": "connection_init",
		"payload": map[string]string{"Authorization": "Bearer " + apptest.AdminToken}}); err != nil {
		t.Fatal(err)
	}
	var ack struct{ Type string }
	if err := wsjson.Read(ctx, ws, &ack); err != nil || ack.Type != "connection_ack" {
		t.Errorf("connection_init with the headers editor's Authorization: %+v, %v; want connection_ack", ack, err)
	}
}
