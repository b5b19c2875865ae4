package unsubscribe

import (
	"bytes"
	"html/template"
	"net/http"
	"strconv"
)

// pageData is what the pages show: only the list's name, never who the link belongs to.
type pageData struct {
	List string
}

type page struct {
	tmpl *template.Template
}

// Every page is German and English, self-contained (inline style, no scripts, images or
// fonts), so the strict Content-Security-Policy holds and nothing is loaded from elsewhere.
const layout = `<!DOCTYPE html>
<html lang="de">
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
.en{color:#444}
</style>
</head>
<body>
<main>
{{template "body" .}}
</main>
</body>
</html>
{{define "unsubscribe-button"}}<form method="post">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Abmelden · Unsubscribe</button>
</form>{{end}}`

func newPage(body string) page {
	t := template.Must(template.New("layout").Parse(layout))
	return page{template.Must(t.Parse(body))}
}

var (
	pageConfirm = newPage(`{{define "title"}}Abmelden · Unsubscribe{{end}}{{define "body"}}
<section lang="de">
<h1>Vom Verteiler abmelden?</h1>
<p>Sie erhalten keine Sendungen über den Verteiler <strong>{{.List}}</strong> mehr, und Ihre Einwilligung dafür wird widerrufen.</p>
</section>
<section lang="en" class="en">
<h1>Unsubscribe from this list?</h1>
<p>You will no longer receive mail sent to the list <strong>{{.List}}</strong>, and your consent to it is withdrawn.</p>
</section>
{{template "unsubscribe-button"}}
{{end}}`)

	pageDone = newPage(`{{define "title"}}Abgemeldet · Unsubscribed{{end}}{{define "body"}}
<section lang="de">
<h1>Sie sind abgemeldet.</h1>
<p>Sie erhalten keine Sendungen über den Verteiler <strong>{{.List}}</strong> mehr. Ihr Widerruf ist gespeichert.</p>
</section>
<section lang="en" class="en">
<h1>You are unsubscribed.</h1>
<p>You will no longer receive mail sent to the list <strong>{{.List}}</strong>. Your withdrawal of consent is recorded.</p>
</section>
{{end}}`)

	pageAlready = newPage(`{{define "title"}}Bereits abgemeldet · Already unsubscribed{{end}}{{define "body"}}
<section lang="de">
<h1>Sie sind bereits abgemeldet.</h1>
<p>Sie erhalten keine Sendungen über den Verteiler <strong>{{.List}}</strong> mehr.</p>
</section>
<section lang="en" class="en">
<h1>You are already unsubscribed.</h1>
<p>You no longer receive mail sent to the list <strong>{{.List}}</strong>.</p>
</section>
{{end}}`)

	pageInvalid = newPage(`{{define "title"}}Link ungültig · Link not valid{{end}}{{define "body"}}
<section lang="de">
<h1>Dieser Link ist nicht gültig.</h1>
<p>Bitte verwenden Sie den Abmeldelink aus einer aktuellen Nachricht, vollständig und unverändert.</p>
</section>
<section lang="en" class="en">
<h1>This link is not valid.</h1>
<p>Please use the unsubscribe link from a recent message, complete and unchanged.</p>
</section>
{{end}}`)

	pageBadForm = newPage(`{{define "title"}}Abmelden · Unsubscribe{{end}}{{define "body"}}
<section lang="de">
<h1>Bitte bestätigen Sie die Abmeldung.</h1>
<p>Die Anfrage enthielt keine Bestätigung. Bitte verwenden Sie die Schaltfläche.</p>
</section>
<section lang="en" class="en">
<h1>Please confirm to unsubscribe.</h1>
<p>The request carried no confirmation (List-Unsubscribe=One-Click). Please use the button.</p>
</section>
{{template "unsubscribe-button"}}
{{end}}`)

	pageUnavailable = newPage(`{{define "title"}}Vorübergehend nicht erreichbar · Temporarily unavailable{{end}}{{define "body"}}
<section lang="de">
<h1>Gerade nicht möglich.</h1>
<p>Es wurde nichts geändert. Bitte versuchen Sie es in einigen Minuten noch einmal.</p>
</section>
<section lang="en" class="en">
<h1>Not possible right now.</h1>
<p>Nothing was changed. Please try again in a few minutes.</p>
</section>
{{end}}`)

	pageTooMany = newPage(`{{define "title"}}Zu viele Anfragen · Too many requests{{end}}{{define "body"}}
<section lang="de">
<h1>Zu viele Anfragen.</h1>
<p>Bitte warten Sie einen Moment und versuchen Sie es dann noch einmal.</p>
</section>
<section lang="en" class="en">
<h1>Too many requests.</h1>
<p>Please wait a moment, then try again.</p>
</section>
{{end}}`)

	pageMethod = newPage(`{{define "title"}}Abmelden · Unsubscribe{{end}}{{define "body"}}
<section lang="de"><h1>Diese Anfrage wird nicht unterstützt.</h1></section>
<section lang="en" class="en"><h1>This request method is not supported.</h1></section>
{{end}}`)
)

func render(w http.ResponseWriter, status int, p page, data *pageData) {
	if data == nil {
		data = &pageData{}
	}
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
