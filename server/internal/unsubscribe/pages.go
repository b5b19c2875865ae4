package unsubscribe

import (
	"net/http"

	"github.com/vermerk/vermerk/server/internal/linkpage"
)

// pageData is what the pages show: only the list's name, never who the link belongs to.
type pageData struct {
	List string
}

// button is the form every page that asks for the unsubscription shows.
const button = `{{define "unsubscribe-button"}}<form method="post">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Abmelden · Unsubscribe</button>
</form>{{end}}`

// newPage: every page is German and English (linkpage's layout).
func newPage(body string) linkpage.Page { return linkpage.NewPage(body + button) }

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

	pageTooManyAsk = newPage(`{{define "title"}}Abmelden · Unsubscribe{{end}}{{define "body"}}
<section lang="de">
<h1>Zu viele Anfragen von Ihrem Netz.</h1>
<p>Die Seite kann gerade nicht mehr zeigen. Sie können sich trotzdem sofort abmelden:</p>
</section>
<section lang="en" class="en">
<h1>Too many requests from your network.</h1>
<p>This page cannot show more right now. You can still unsubscribe at once:</p>
</section>
{{template "unsubscribe-button"}}
{{end}}`)

	pageMethod = newPage(`{{define "title"}}Abmelden · Unsubscribe{{end}}{{define "body"}}
<section lang="de"><h1>Diese Anfrage wird nicht unterstützt.</h1></section>
<section lang="en" class="en"><h1>This request method is not supported.</h1></section>
{{end}}`)
)

func render(w http.ResponseWriter, status int, p linkpage.Page, data *pageData) {
	if data == nil {
		data = &pageData{}
	}
	linkpage.Render(w, status, p, data)
}
