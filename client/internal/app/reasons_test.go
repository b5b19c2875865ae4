package app

import (
	"strings"
	"testing"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/i18n"
)

func TestInputErrorsAreWordedFromTheirCodes(t *testing.T) {
	de, en := i18n.MustNew("de"), i18n.MustNew("en")
	badInput := func(problems ...api.Problem) error {
		return &api.Error{Op: "createContact", Code: "BAD_USER_INPUT", Message: problems[0].Message,
			Reason: problems[0].Reason, Field: problems[0].Field, Problems: problems}
	}
	tests := []struct {
		name     string
		err      error
		loc      Localizer
		want     string
		mustLack string // the server's English sentence
	}{
		{"e-mail without @", badInput(api.Problem{Reason: "EMAIL_NO_AT", Field: "input.emails[0]", Message: `e-mail "anna" has no @`}),
			de, "E-Mail: Der E-Mail-Adresse fehlt das @.", "has no @"},
		{"the second e-mail", badInput(api.Problem{Reason: "EMAIL_DOMAIN_NO_DOT", Field: "input.emails[1]", Message: "no dot"}),
			de, "E-Mail 2: Der Domain nach dem @ fehlt ein Punkt (z. B. beispiel.de).", "no dot"},
		{"two problems, one line each", badInput(
			api.Problem{Reason: "NAME_OR_ORGANIZATION_REQUIRED", Field: "input.familyName", Message: "a contact needs a family name"},
			api.Problem{Reason: "CITY_REQUIRED", Field: "input.address.city", Message: "city is empty"}),
			de, "Nachname: Nachname oder Firma fehlt; ein Kontakt braucht eines von beiden.\nOrt: Bitte den Ort angeben.", "city is empty"},
		{"a purpose that is gone", badInput(api.Problem{Reason: "PURPOSE_UNKNOWN", Field: "input.purposeKey", Message: `no purpose with key "x"`}),
			de, "Zweck: Diesen Zweck gibt es nicht (mehr); bitte die Ansicht neu laden.", "no purpose"},
		{"a reason left blank", badInput(api.Problem{Reason: "REQUIRED", Field: "reason", Message: "a reason is required"}),
			de, "Begründung: Bitte ausfüllen.", "is required"},
		{"a code this client does not know", badInput(api.Problem{Reason: "SOMETHING_NEW", Field: "input.x", Message: "something new went wrong"}),
			de, "Der Server hat die Eingabe abgelehnt (Code SOMETHING_NEW).", "went wrong"},
		{"in English, an unknown code quotes the server", badInput(api.Problem{Reason: "SOMETHING_NEW", Message: "something new went wrong"}),
			en, "something new went wrong", ""},
		{"in English, a known code", badInput(api.Problem{Reason: "EMAIL_NO_AT", Field: "input.emails[0]", Message: "x"}),
			en, "E-mail: The e-mail address has no @.", ""},
		{"not found says what to do, without the server's sentence", &api.Error{Op: "contact", Code: "NOT_FOUND", Message: "no contact with id 42"},
			de, "Nicht gefunden – vielleicht wurde der Datensatz inzwischen gelöscht. Bitte die Ansicht neu laden.", "no contact"},
		{"an internal error", &api.Error{Op: "contact", Code: "INTERNAL", Message: "internal error (request id abc)"},
			de, "Der Server hat einen internen Fehler gemeldet. Bitte erneut versuchen; bleibt er, der Administration Bescheid geben.", "internal error"},
		{"forbidden", &api.Error{Op: "blacklist", Code: "FORBIDDEN", Message: "only admins may do this"},
			de, "Ihr Token darf das nicht. Bitte bei der Administration nachfragen.", "only admins"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ErrorText(tc.err, tc.loc)
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
			if tc.mustLack != "" && strings.Contains(got, tc.mustLack) {
				t.Errorf("the server's English sentence reached the user: %q", got)
			}
		})
	}
}

func TestImportProblemsAndNoticesByCode(t *testing.T) {
	de := i18n.MustNew("de")
	field := "email"
	p := api.ImportRowProblem{Line: 6, Code: "EMAIL_NO_AT", Field: &field, Message: `e-mail "x" has no @`}
	if got, want := ProblemLine(p, de), "Zeile 6: E-Mail: Der E-Mail-Adresse fehlt das @."; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	p = api.ImportRowProblem{Line: 7, Code: "NAME_OR_ORGANIZATION_REQUIRED", Message: "no family name and no organisation"}
	if got, want := ProblemLine(p, de), "Zeile 7: Nachname oder Firma fehlt; ein Kontakt braucht eines von beiden."; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	p = api.ImportRowProblem{Line: 8, Message: "no family name and no organisation; a contact needs one of them"}
	if got := ProblemLine(p, de); got != "Zeile 8: Die Zeile ist ungültig." {
		t.Errorf("a problem without code: %q", got)
	}

	code, notice := "NEVER_GRANTED", `no consent for purpose "newsletter" had been granted`
	c := api.ConsentFields{NoticeCode: &code, Notice: &notice}
	if got := NoticeText(c, de); got != "Für diesen Zweck war keine Einwilligung erteilt; der Widerruf ist trotzdem vermerkt." {
		t.Errorf("notice = %q", got)
	}
	if got := NoticeText(api.ConsentFields{}, de); got != "" {
		t.Errorf("no notice = %q", got)
	}
}

func TestPluralsInBothLanguages(t *testing.T) {
	for _, tc := range []struct {
		lang, want string
		n          int
	}{
		{"de", "1 von 1 Kontakt", 1}, {"de", "12 von 12 Kontakten", 12}, {"en", "1 of 1 contact", 1}, {"en", "12 of 12 contacts", 12},
	} {
		if got := i18n.MustNew(tc.lang).N("contacts.count", tc.n, map[string]any{"Shown": tc.n, "Total": tc.n}); got != tc.want {
			t.Errorf("%s %d: %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
}
