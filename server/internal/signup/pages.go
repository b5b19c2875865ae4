package signup

import (
	"github.com/vermerk/vermerk/server/internal/linkpage"
)

// The confirm pages speak German or English, chosen by Accept-Language (German when neither
// is asked for). pageData is all they show: the masked address, purpose, list and text.
type pageData struct {
	*View
}

// pages is one language's set.
type pages struct {
	confirm, done, already, invalid, expired, badForm, unavailable, tooMany, method linkpage.Page
}

const confirmButtonDE = `{{define "confirm-button"}}<form method="post">
<input type="hidden" name="confirm" value="yes">
<button type="submit">Anmeldung bestätigen</button>
</form>{{end}}`

const confirmButtonEN = `{{define "confirm-button"}}<form method="post">
<input type="hidden" name="confirm" value="yes">
<button type="submit">Confirm sign-up</button>
</form>{{end}}`

const whatDE = `{{define "what"}}<p>Für <strong>{{.MaskedEmail}}</strong> wurde die Anmeldung zu <strong>{{.Purpose}}</strong>{{if .List}} (Verteiler <strong>{{.List}}</strong>){{end}} angefordert.</p>
{{if .ConsentText}}<p>Sie willigen damit in Folgendes ein:</p><blockquote>{{.ConsentText}}</blockquote>{{end}}
<p class="small">Wenn Sie sich nicht angemeldet haben, schließen Sie diese Seite einfach: Ohne Bestätigung verfällt die Anfrage und wird gelöscht.</p>{{end}}`

const whatEN = `{{define "what"}}<p>A sign-up of <strong>{{.MaskedEmail}}</strong> to <strong>{{.Purpose}}</strong>{{if .List}} (list <strong>{{.List}}</strong>){{end}} was requested.</p>
{{if .ConsentText}}<p>By confirming you agree to the following:</p><blockquote>{{.ConsentText}}</blockquote>{{end}}
<p class="small">If you did not sign up, just close this page: without confirmation the request expires and is deleted.</p>{{end}}`

func newPages(lang, extra, set string) linkpage.Page {
	return linkpage.NewPage(`{{define "lang"}}` + lang + `{{end}}` + set + extra)
}

var pagesDE = pages{
	confirm: newPages("de", confirmButtonDE+whatDE, `{{define "title"}}Anmeldung bestätigen{{end}}{{define "body"}}
<h1>Bitte bestätigen Sie Ihre Anmeldung.</h1>
{{template "what" .}}
{{template "confirm-button"}}
{{end}}`),
	done: newPages("de", "", `{{define "title"}}Anmeldung bestätigt{{end}}{{define "body"}}
<h1>Danke, Ihre Anmeldung ist bestätigt.</h1>
<p>Ihre Einwilligung ist mit Zeitpunkt gespeichert. Sie können sie jederzeit widerrufen, etwa über den Abmeldelink in jeder Nachricht.</p>
{{end}}`),
	already: newPages("de", "", `{{define "title"}}Bereits bestätigt{{end}}{{define "body"}}
<h1>Diese Anmeldung ist bereits bestätigt.</h1>
<p>Es ist nichts weiter zu tun.</p>
{{end}}`),
	invalid: newPages("de", "", `{{define "title"}}Link ungültig{{end}}{{define "body"}}
<h1>Dieser Link ist nicht gültig.</h1>
<p>Bitte verwenden Sie den Link aus der Bestätigungsnachricht, vollständig und unverändert. Liegt die Anmeldung schon länger zurück, melden Sie sich bitte erneut an.</p>
{{end}}`),
	expired: newPages("de", "", `{{define "title"}}Link abgelaufen{{end}}{{define "body"}}
<h1>Dieser Link ist abgelaufen.</h1>
<p>Die Anmeldung wurde nicht rechtzeitig bestätigt und ist gelöscht. Bitte melden Sie sich erneut an.</p>
{{end}}`),
	badForm: newPages("de", confirmButtonDE, `{{define "title"}}Anmeldung bestätigen{{end}}{{define "body"}}
<h1>Bitte verwenden Sie die Schaltfläche.</h1>
<p>Die Anfrage enthielt keine Bestätigung.</p>
{{template "confirm-button"}}
{{end}}`),
	unavailable: newPages("de", "", `{{define "title"}}Vorübergehend nicht erreichbar{{end}}{{define "body"}}
<h1>Gerade nicht möglich.</h1>
<p>Es wurde nichts geändert. Bitte versuchen Sie es in einigen Minuten noch einmal.</p>
{{end}}`),
	tooMany: newPages("de", "", `{{define "title"}}Zu viele Anfragen{{end}}{{define "body"}}
<h1>Zu viele Anfragen.</h1>
<p>Bitte warten Sie einen Moment und versuchen Sie es dann noch einmal.</p>
{{end}}`),
	method: newPages("de", "", `{{define "title"}}Anmeldung{{end}}{{define "body"}}<h1>Diese Anfrage wird nicht unterstützt.</h1>{{end}}`),
}

var pagesEN = pages{
	confirm: newPages("en", confirmButtonEN+whatEN, `{{define "title"}}Confirm your sign-up{{end}}{{define "body"}}
<h1>Please confirm your sign-up.</h1>
{{template "what" .}}
{{template "confirm-button"}}
{{end}}`),
	done: newPages("en", "", `{{define "title"}}Sign-up confirmed{{end}}{{define "body"}}
<h1>Thank you, your sign-up is confirmed.</h1>
<p>Your consent is recorded with its time. You can withdraw it at any time, for instance with the unsubscribe link in every message.</p>
{{end}}`),
	already: newPages("en", "", `{{define "title"}}Already confirmed{{end}}{{define "body"}}
<h1>This sign-up is confirmed already.</h1>
<p>There is nothing more to do.</p>
{{end}}`),
	invalid: newPages("en", "", `{{define "title"}}Link not valid{{end}}{{define "body"}}
<h1>This link is not valid.</h1>
<p>Please use the link from the confirmation message, complete and unchanged. If you signed up a while ago, please sign up again.</p>
{{end}}`),
	expired: newPages("en", "", `{{define "title"}}Link expired{{end}}{{define "body"}}
<h1>This link has expired.</h1>
<p>The sign-up was not confirmed in time and has been deleted. Please sign up again.</p>
{{end}}`),
	badForm: newPages("en", confirmButtonEN, `{{define "title"}}Confirm your sign-up{{end}}{{define "body"}}
<h1>Please use the button.</h1>
<p>The request carried no confirmation.</p>
{{template "confirm-button"}}
{{end}}`),
	unavailable: newPages("en", "", `{{define "title"}}Temporarily unavailable{{end}}{{define "body"}}
<h1>Not possible right now.</h1>
<p>Nothing was changed. Please try again in a few minutes.</p>
{{end}}`),
	tooMany: newPages("en", "", `{{define "title"}}Too many requests{{end}}{{define "body"}}
<h1>Too many requests.</h1>
<p>Please wait a moment, then try again.</p>
{{end}}`),
	method: newPages("en", "", `{{define "title"}}Sign-up{{end}}{{define "body"}}<h1>This request method is not supported.</h1>{{end}}`),
}
