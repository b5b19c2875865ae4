package app

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/vermerk/vermerk/client/internal/api"
)

// BadInputText words every problem of a BAD_USER_INPUT answer from its reason code, one
// line each, with the field it concerns: "E-Mail: Der E-Mail-Adresse fehlt das @."
func BadInputText(e *api.Error, loc Localizer) string {
	problems := e.Problems
	if len(problems) == 0 {
		problems = []api.Problem{{Reason: e.Reason, Field: e.Field, Message: e.Message}}
	}
	var lines []string
	seen := map[string]bool{}
	for _, p := range problems {
		line := ProblemText(p.Reason, p.Field, p.Message, loc)
		if !seen[line] {
			seen[line] = true
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "\n")
}

// ProblemText is one problem in the user's language: the field's name, then the reason's
// text. A code the catalogue lacks (a newer server) falls back to error.badinput, which in
// German names the code and in English quotes the server's message.
func ProblemText(reason, field, message string, loc Localizer) string {
	text, ok := ReasonText(reason, loc)
	switch {
	case !ok && reason == "":
		return loc.T("error.badinput.uncoded", map[string]any{"Message": message})
	case !ok:
		return loc.T("error.badinput", map[string]any{"Code": reason, "Message": message})
	}
	if label := FieldLabel(field, loc); label != "" {
		return label + ": " + text
	}
	return text
}

// ReasonText is the catalogue's text for a server reason code (key reason.<CODE>).
func ReasonText(reason string, loc Localizer) (string, bool) {
	if reason == "" {
		return "", false
	}
	return catalogueText("reason."+reason, nil, loc)
}

// catalogueText is the catalogue's text for key, ok false where the catalogue has none (the
// localizer answers an unknown key with the key itself).
func catalogueText(key string, data map[string]any, loc Localizer) (text string, ok bool) {
	text = loc.T(key, data)
	return text, text != key && text != ""
}

var fieldIndex = regexp.MustCompile(`\[(\d+)\]$`)

// FieldLabel names an input path ("input.emails[1]", "input.address.city", "reason") the
// way the form does ("E-Mail 2", "Ort", "Begründung"); "" for a path it does not know.
func FieldLabel(path string, loc Localizer) string {
	if path == "" {
		return ""
	}
	last := path[strings.LastIndex(path, ".")+1:]
	n := 0
	if m := fieldIndex.FindStringSubmatch(last); m != nil {
		n, _ = strconv.Atoi(m[1])
		last = last[:len(last)-len(m[0])]
	}
	key := "field." + last
	label := loc.T(key, nil)
	if label == key || label == "" {
		return ""
	}
	if n > 0 {
		label += " " + strconv.Itoa(n+1)
	}
	return label
}

// ProblemLine is one import problem in the user's language, worded from its code:
// "Zeile 6: Nachname oder Firma fehlt; …". A problem without a code (a job recorded before
// problems had codes) reads "the row is invalid" in German and quotes the server in English.
func ProblemLine(p api.ImportRowProblem, loc Localizer) string {
	var text string
	if p.Code == "" {
		text = loc.T("import.problem.uncoded", map[string]any{"Message": p.Message})
	} else {
		field := ""
		if p.Field != nil {
			field = *p.Field
		}
		text = ProblemText(p.Code, field, p.Message, loc)
	}
	return loc.T("import.problem", map[string]any{"Line": p.Line, "Text": text})
}

// NoticeText words a consent's notice (a revocation of a consent never granted, …) from its
// code; "" when there is none.
func NoticeText(c api.ConsentFields, loc Localizer) string {
	if c.NoticeCode != nil {
		if text, ok := ReasonText(*c.NoticeCode, loc); ok {
			return text
		}
	}
	if c.Notice != nil && *c.Notice != "" {
		return loc.T("consents.notice.uncoded", map[string]any{"Message": *c.Notice})
	}
	return ""
}
