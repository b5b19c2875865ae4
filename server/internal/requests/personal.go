package requests

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/screening"
)

const maxText = 1000 // characters of a closing text or reason

var (
	emailLike = regexp.MustCompile(`[^\s<>(),;:"']+@[^\s<>(),;:"']+`)
	phoneLike = regexp.MustCompile(`\+?\d[\d\s/().-]{5,}\d`)
)

// checkText trims a required closing text or reason and refuses one that is empty, too long
// or names the person: any of their e-mails or phones (however written) or their given or
// family name as a word. Such texts stay in the register and the audit trail after the
// person is erased, so they must say what was done without saying who it was.
func checkText(field, text string, person *model.Contact) (string, error) {
	t := strings.TrimSpace(text)
	switch {
	case t == "":
		return "", apperr.BadInput(field, apperr.ReasonRequired, "a text is required; write what was done (it is kept in the register and the audit trail)")
	case utf8.RuneCountInString(t) > maxText:
		return "", apperr.BadInput(field, apperr.ReasonTooLong, "the text is longer than %d characters", maxText)
	}
	if person == nil {
		return t, nil
	}
	if what := namesPerson(t, person); what != "" {
		return "", apperr.BadInput(field, apperr.ReasonHasPersonalData,
			"the text contains the person's %s; it outlives an erasure, so describe what was done without naming the person", what)
	}
	return t, nil
}

// namesPerson returns which identifier of p the text contains ("e-mail", "phone", "name"), or "".
func namesPerson(text string, p *model.Contact) string {
	mine := make(map[string]bool)
	for _, e := range p.Emails {
		if n, err := screening.NormalizeEmail(e); err == nil {
			mine[n] = true
		}
	}
	for _, tok := range emailLike.FindAllString(text, -1) {
		if n, err := screening.NormalizeEmail(strings.Trim(tok, ".")); err == nil && mine[n] {
			return "e-mail"
		}
	}
	region := screening.DefaultCountry
	if p.Address != nil && p.Address.Country != "" {
		region = p.Address.Country
	}
	for _, tok := range phoneLike.FindAllString(text, -1) {
		n, err := screening.NormalizePhone(tok, region)
		if err == nil && contains(p.Phones, n) {
			return "phone"
		}
	}
	words := wordsOf(text)
	for _, name := range []string{p.FamilyName, p.GivenName} {
		nw := wordsOf(name)
		if len(nw) == 0 || utf8.RuneCountInString(strings.Join(nw, "")) < 2 {
			continue
		}
		if containsRun(words, nw) {
			return "name"
		}
	}
	return ""
}

// wordsOf splits s into lower-case words of letters and digits.
func wordsOf(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// containsRun reports whether run occurs in words as consecutive words.
func containsRun(words, run []string) bool {
	for i := 0; i+len(run) <= len(words); i++ {
		match := true
		for j := range run {
			if words[i+j] != run[j] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
