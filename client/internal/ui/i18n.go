package ui

import (
	"os"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/vermerk/vermerk/client/internal/i18n"
)

// localizer is the app layer's Localizer on top of Fyne's lang package.
type localizer struct{ lang string }

func (l localizer) T(key string, data map[string]any) string {
	if data == nil {
		return lang.L(key)
	}
	return lang.L(key, data)
}

func (l localizer) N(key string, count int, data map[string]any) string { return tn(key, count, data) }

func (l localizer) Lang() string { return l.lang }

func (l localizer) Date(t time.Time) string { return i18n.FormatDate(t, l.lang) }

func (l localizer) DateTime(t time.Time) string { return i18n.FormatDateTime(t, l.lang) }

// SetLanguage makes Fyne speak lang ("de" by default). Fyne picks its language from the
// locale environment when translations are added, so that is where the choice goes (on
// Linux and the BSDs; elsewhere the system language decides).
func SetLanguage(l string) localizer {
	l = i18n.Normalize(l)
	os.Setenv("LANGUAGE", l)
	switch os.Getenv("LC_ALL") {
	case "", "C", "POSIX", "C.UTF-8":
		os.Setenv("LC_ALL", l)
	}
	if err := lang.AddTranslationsFS(i18n.Files, "translations"); err != nil {
		fyne.LogError("loading translations", err)
	}
	return localizer{lang: l}
}

// t translates a key without data.
func t(key string) string { return lang.L(key) }

// tf translates a key with template data.
func tf(key string, data map[string]any) string { return lang.L(key, data) }

// tn translates a key with plural forms for count; data gets Count.
func tn(key string, count int, data map[string]any) string {
	d := map[string]any{"Count": count}
	for k, v := range data {
		d[k] = v
	}
	return lang.N(key, count, d)
}

// DefaultLocale gives a process started without a usable locale (LANG=C, as in services and
// containers) a German one, before Fyne reads it at start-up and complains about "C".
func DefaultLocale() {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		switch os.Getenv(k) {
		case "", "C", "POSIX", "C.UTF-8":
			continue
		}
		return
	}
	os.Setenv("LANG", "de_DE.UTF-8")
	if v := os.Getenv("LC_ALL"); v != "" {
		os.Setenv("LC_ALL", "de_DE.UTF-8")
	}
}
