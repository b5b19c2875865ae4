package app

import (
	"slices"
	"strconv"
	"strings"

	"github.com/vermerk/vermerk/client/internal/api"
)

// Warning is one blacklist match as the banner shows it.
type Warning struct {
	Field    api.MatchField
	Blocking bool
	Text     string
}

// Warnings describes every match of a screening in the user's language, blocking ones first.
func Warnings(s api.ScreeningFields, loc Localizer) []Warning {
	var blocking, warning []Warning
	for _, m := range s.Matches {
		w := Warning{Field: m.Field, Blocking: IsBlocking(m.Field), Text: Describe(m, loc)}
		if w.Blocking {
			blocking = append(blocking, w)
		} else {
			warning = append(warning, w)
		}
	}
	return append(blocking, warning...)
}

// IsBlocking: an e-mail or phone match blocks a write; a name-and-address match only warns.
func IsBlocking(f api.MatchField) bool {
	return f == api.MatchFieldEmail || f == api.MatchFieldPhone
}

// Describe says in one sentence what matched and why the person is on the blacklist, e.g.
// "This e-mail belongs to a person who was erased on 3 May 2026 (reason: at their request)."
func Describe(m api.BlacklistMatch, loc Localizer) string {
	key := "match." + strings.ToLower(string(m.Field)) + "." + strings.ToLower(string(m.Entry.Source))
	data := map[string]any{
		"Date":   loc.Date(m.Entry.CreatedAt),
		"Reason": strings.TrimSpace(m.Entry.Reason),
	}
	text := loc.T(key, data)
	if data["Reason"] != "" {
		text += " " + loc.T("match.reason", data)
	}
	return text
}

// BannerTitle is the banner's first line: refused, or only a warning.
func BannerTitle(s api.ScreeningFields, loc Localizer) string {
	if s.Blocked || hasBlocking(s) {
		return loc.T("banner.blocked", nil)
	}
	return loc.T("banner.warning", nil)
}

func hasBlocking(s api.ScreeningFields) bool {
	for _, m := range s.Matches {
		if IsBlocking(m.Field) {
			return true
		}
	}
	return false
}

// SkippedText says which typed values the server could not read yet and so did not screen
// (Screening.skipped of screen asTyped), e.g. "Noch nicht geprüft, bis vollständig: Telefon 1,
// Land"; "" when it screened everything. Unchecked is not clean, so the form says it.
func SkippedText(s api.ScreeningFields, loc Localizer) string {
	var parts []string
	add := func(p string) {
		if !slices.Contains(parts, p) {
			parts = append(parts, p)
		}
	}
	for _, v := range s.Skipped {
		field := strings.TrimPrefix(v.Field, "candidate.")
		if m := refusedPath.FindStringSubmatch(field); m != nil {
			n, _ := strconv.Atoi(m[2])
			key := "screen.skipped.email"
			if m[1] == "phones" {
				key = "screen.skipped.phone"
			}
			add(loc.T(key, map[string]any{"N": n + 1}))
			continue
		}
		if field == "address.country" {
			add(loc.T("screen.skipped.country", nil))
			continue
		}
		add(loc.T("screen.skipped.nameaddress", nil))
	}
	if len(parts) == 0 {
		return ""
	}
	return loc.T("screen.skipped", map[string]any{"Fields": strings.Join(parts, ", ")})
}
