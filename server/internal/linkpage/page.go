package linkpage

import (
	"bytes"
	"html/template"
	"net/http"
	"strconv"
	"time"
)

// Page is one HTML page: the layout with a "title" and a "body" template (and optionally
// "lang", the page's language, German by default).
type Page struct {
	tmpl *template.Template
}

// layout: every page is self-contained (inline style, no scripts, images or fonts), so the
// strict Content-Security-Policy holds and nothing is loaded from elsewhere.
const layout = `<!DOCTYPE html>
<html lang="{{block "lang" .}}de{{end}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{{template "title" .}}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f4f2;color:#1d1d1b;margin:0;padding:2rem 1rem;line-height:1.5}
main{max-width:34rem;margin:0 auto;background:#fff;border-radius:8px;padding:2rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.35rem;margin:0 0 .75rem}
section+section{border-top:1px solid #ddd;margin-top:1.5rem;padding-top:1.5rem}
button{font:inherit;font-size:1.05rem;padding:.7rem 1.4rem;border:0;border-radius:6px;background:#1f5f99;color:#fff;cursor:pointer}
button:focus{outline:3px solid #f0b400;outline-offset:2px}
form{margin:1.5rem 0 0}
blockquote{margin:1rem 0;padding:.75rem 1rem;background:#f4f4f2;border-left:4px solid #1f5f99;white-space:pre-line}
.en{color:#444}
.small{font-size:.9rem;color:#555}
</style>
</head>
<body>
<main>
{{template "body" .}}
</main>
</body>
</html>`

// NewPage parses body (its "title" and "body" definitions, and any more it uses) into the layout.
func NewPage(body string) Page {
	t := template.Must(template.New("layout").Parse(layout))
	return Page{template.Must(t.Parse(body))}
}

// Render writes the page with data and the given status.
func Render(w http.ResponseWriter, status int, p Page, data any) {
	var buf bytes.Buffer
	if err := p.tmpl.Execute(&buf, data); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// SetSecurityHeaders: no scripts, no framing, forms only to this origin, nothing cached or
// referred (the URL holds the token).
func SetSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
}

// Seconds is d as a Retry-After value: whole seconds, at least one.
func Seconds(d time.Duration) string {
	return strconv.Itoa(max(1, int((d+time.Second-1)/time.Second)))
}
