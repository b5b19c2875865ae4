// Package i18n holds the client's translations (German first, English) as JSON files in the
// format Fyne's lang package reads, plus a small Fyne-free localizer over the same files so
// the app layer and its tests produce the very sentences the UI shows.
package i18n

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"text/template"
	"time"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// Files are the translation files, one per language: translations/<lang>.json.
//
//go:embed translations
var Files embed.FS

// Languages the client speaks; the first is the default.
var Languages = []string{"de", "en"}

// Localizer translates keys and formats dates for one language.
type Localizer struct {
	lang    string
	msgs    map[string]string
	plurals map[string]map[string]string // key → CLDR category ("one", "other") → message
}

// New loads the translations of lang ("de" or "en"; anything else falls back to "de"): every
// file translations/<lang>.json and translations/<name>.<lang>.json, the pattern Fyne reads.
func New(lang string) (*Localizer, error) {
	lang = Normalize(lang)
	l := &Localizer{lang: lang, msgs: map[string]string{}, plurals: map[string]map[string]string{}}
	files, err := FilesOf(lang)
	if err != nil {
		return nil, fmt.Errorf("i18n.New(%s): %w", lang, err)
	}
	for _, name := range files {
		data, err := Files.ReadFile("translations/" + name)
		if err != nil {
			return nil, fmt.Errorf("i18n.New(%s): %w", lang, err)
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(data, &raw); err != nil {
			return nil, fmt.Errorf("i18n.New(%s): %s: %w", lang, name, err)
		}
		for k, v := range raw {
			var s string
			if json.Unmarshal(v, &s) == nil {
				l.msgs[k] = s
				continue
			}
			var plural map[string]string
			if json.Unmarshal(v, &plural) == nil {
				l.msgs[k] = plural["other"]
				l.plurals[k] = plural
			}
		}
	}
	return l, nil
}

// FilesOf lists the translation files of one language.
func FilesOf(lang string) ([]string, error) {
	entries, err := Files.ReadDir("translations")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if n := e.Name(); n == lang+".json" || strings.HasSuffix(n, "."+lang+".json") {
			out = append(out, n)
		}
	}
	return out, nil
}

// MustNew is New for the embedded files, which are known to parse (a test checks them).
func MustNew(lang string) *Localizer {
	l, err := New(lang)
	if err != nil {
		panic(err)
	}
	return l
}

// Normalize maps a language setting or locale ("en_US.UTF-8", "de-AT") to one we have.
func Normalize(lang string) string {
	lang = strings.ToLower(lang)
	for _, l := range Languages {
		if strings.HasPrefix(lang, l) {
			return l
		}
	}
	return Languages[0]
}

// Lang is the language this localizer speaks.
func (l *Localizer) Lang() string { return l.lang }

// T translates key, filling {{.Name}} placeholders from data; an unknown key comes back as is.
func (l *Localizer) T(key string, data map[string]any) string {
	msg, ok := l.msgs[key]
	if !ok {
		msg = key
	}
	return Fill(msg, data)
}

// N translates a key with plural forms for count ("1 Kontakt", "12 Kontakte"); data gets
// Count. German and English both have "one" and "other".
func (l *Localizer) N(key string, count int, data map[string]any) string {
	d := map[string]any{"Count": count}
	for k, v := range data {
		d[k] = v
	}
	forms, ok := l.plurals[key]
	if !ok {
		return l.T(key, d)
	}
	msg, ok := forms[PluralCategory(l.lang, count)]
	if !ok {
		msg = forms["other"]
	}
	return Fill(msg, d)
}

// PluralCategory is the CLDR plural category of an integer count in German and English.
func PluralCategory(lang string, count int) string {
	if count == 1 {
		return "one"
	}
	return "other"
}

// Date formats a day the way the language writes it: "3. Mai 2026", "3 May 2026".
func (l *Localizer) Date(t time.Time) string { return FormatDate(t, l.lang) }

// Fill executes a message template; a broken template comes back unfilled.
func Fill(msg string, data map[string]any) string {
	if !strings.Contains(msg, "{{") {
		return msg
	}
	t, err := template.New("").Option("missingkey=zero").Parse(msg)
	if err != nil {
		return msg
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return msg
	}
	return b.String()
}

var germanMonths = [...]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli",
	"August", "September", "Oktober", "November", "Dezember"}

// FormatDate writes t's day in local time in the style of lang.
func FormatDate(t time.Time, lang string) string {
	t = t.Local()
	if Normalize(lang) == "de" {
		return fmt.Sprintf("%d. %s %d", t.Day(), germanMonths[t.Month()-1], t.Year())
	}
	return t.Format("2 January 2006")
}

// DayForm is how a day is typed in lang: as a field's hint shows it ("TT.MM.JJJJ") and as the
// Go layout that writes a day so (a field filled in advance, an example). German staff type
// the German form; in English the ISO form, which reads the same everywhere (03/11 does not).
// The app reads every one of these forms in either language (app.ParseDay).
func DayForm(lang string) (hint, layout string) {
	if Normalize(lang) == "de" {
		return "TT.MM.JJJJ", "02.01.2006"
	}
	return "YYYY-MM-DD", time.DateOnly
}

// FormatDateTime writes t with the time of day, for ledgers and feeds.
func FormatDateTime(t time.Time, lang string) string {
	return FormatDate(t, lang) + " " + t.Local().Format("15:04")
}

// Compare orders names as people look them up (the Unicode collation's root order, the same
// for German and English): case and accents count only between otherwise equal names, so
// "Ärzte" sorts with the A's and "newsletter" with "Newsletter", where strings.Compare put
// every name starting with an umlaut or a lower-case letter after Z.
func Compare(a, b string) int {
	collator.mu.Lock()
	defer collator.mu.Unlock()
	return collator.c.CompareString(a, b)
}

// collator serves Compare: a collate.Collator keeps buffers and must not be used at once.
var collator = struct {
	mu sync.Mutex
	c  *collate.Collator
}{c: collate.New(language.Und)}
