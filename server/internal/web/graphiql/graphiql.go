// Package graphiql serves the GraphiQL page and every file it loads from the binary. GraphiQL,
// React and ReactDOM are the npm builds gqlgen's page takes from a CDN (the same versions, byte
// for byte), fetched by fetch.sh into assets/ and checked against SHA256SUMS; a browser that
// opens the page asks no other host for anything, so no third party learns an admin's address
// and the page works offline.
package graphiql

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"strings"
	"time"
)

// AssetPrefix is the path the page's files are served under; each file's name carries its
// package's version, so a file never changes under its name and browsers may keep it a year.
const AssetPrefix = "/graphiql/assets/"

//go:embed assets
var embedded embed.FS

// files are the embedded files by their name under AssetPrefix.
var files = func() fs.FS {
	sub, err := fs.Sub(embedded, "assets")
	if err != nil {
		panic(err)
	}
	return sub
}()

//go:embed SHA256SUMS
var sha256sums string

//go:embed page.html
var pageTemplate string

// asset is what is served with one embedded file besides its content.
type asset struct{ contentType, etag string }

// assets are the files SHA256SUMS lists, by name, each with its checksum as ETag (the tests
// check each file against it; hashing 1.6 MB at every start of the binary would cost more).
var assets = func() map[string]asset {
	m := map[string]asset{}
	for _, line := range strings.Split(strings.TrimSpace(sha256sums), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok {
			panic("graphiql: SHA256SUMS line " + line)
		}
		m[name] = asset{contentType: contentType(name), etag: `"` + sum[:32] + `"`}
	}
	return m
}()

// contentType by extension, from this table rather than mime.TypeByExtension, which reads the
// machine's /etc/mime.types: with nosniff a browser runs a script only under a JavaScript type.
func contentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	default: // the licences
		return "text/plain; charset=utf-8"
	}
}

// Assets serves the embedded files under AssetPrefix; anything else is 404.
func Assets() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, AssetPrefix)
		a, ok := assets[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		f, err := files.Open(name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		h := w.Header()
		h.Set("Content-Type", a.contentType)
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("ETag", a.etag)
		h.Set("X-Content-Type-Options", "nosniff")
		http.ServeContent(w, r, "", time.Time{}, f.(io.ReadSeeker)) // embed's files seek
	})
}

// Page serves the GraphiQL page for the GraphQL endpoint at the given path (queries and
// mutations over HTTP, subscriptions over a WebSocket on the same path; the headers editor
// takes the bearer token). Its Content-Security-Policy lets it load scripts, styles and fonts
// from this server only (fonts are data: URLs in GraphiQL's CSS): its inline script is pinned
// by hash, and inline styles need the nonce of the response (its own <style>, and the one
// GraphiQL adds while a dialog is open).
func Page(endpoint string) http.Handler {
	tmpl := template.Must(template.New("page").Funcs(template.FuncMap{"asset": assetURL}).Parse(pageTemplate))
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, struct{ Endpoint, Nonce string }{endpoint, noncePlaceholder}); err != nil {
		panic(err)
	}
	before, after, ok := bytes.Cut(buf.Bytes(), []byte(noncePlaceholder))
	if !ok || bytes.Contains(after, []byte(noncePlaceholder)) {
		panic("graphiql: page.html must name the nonce once")
	}
	cspBefore := "default-src 'none'; script-src 'self' " + inlineScriptHashes(buf.Bytes()) + "; style-src 'self' 'nonce-"
	const cspAfter = "'; font-src data:; img-src 'self' data:; connect-src 'self'" +
		"; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b [16]byte
		_, _ = rand.Read(b[:])
		nonce := base64.RawURLEncoding.EncodeToString(b[:])
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", cspBefore+nonce+cspAfter)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		page := make([]byte, 0, len(before)+len(nonce)+len(after))
		_, _ = w.Write(append(append(append(page, before...), nonce...), after...))
	})
}

// noncePlaceholder stands for the nonce in the rendered page until a response fills it in.
const noncePlaceholder = "NONCE-PLACEHOLDER"

// assetURL is the page template's asset function: the URL of an embedded file. A name that is
// not embedded stops the server at start-up rather than break the page.
func assetURL(name string) (string, error) {
	if _, ok := assets[name]; !ok {
		return "", fmt.Errorf("graphiql: page.html names %s, which assets/ does not hold", name)
	}
	return AssetPrefix + name, nil
}

var inlineScript = regexp.MustCompile(`(?s)<script>(.*?)</script>`)

// inlineScriptHashes are the CSP hash sources of the page's inline scripts.
func inlineScriptHashes(page []byte) string {
	var out []string
	for _, m := range inlineScript.FindAllSubmatch(page, -1) {
		sum := sha256.Sum256(m[1])
		out = append(out, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	}
	return strings.Join(out, " ")
}
