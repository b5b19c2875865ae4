package app

import (
	"errors"
	"os"
	"strings"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/i18n"
)

// Preferences is where settings persist; fyne.Preferences satisfies it.
type Preferences interface {
	String(key string) string
	SetString(key, value string)
}

// DefaultServerURL is where `make run` serves.
const DefaultServerURL = "http://127.0.0.1:8080"

// Settings are the connection and the language.
type Settings struct {
	ServerURL string
	Token     string
	Language  string
}

const (
	prefServerURL = "server_url"
	prefToken     = "token"
	prefLanguage  = "language"
)

// LoadSettings reads the preferences. VERMERK_SERVER_URL, VERMERK_TOKEN and VERMERK_LANG,
// when set, win (for `make client` and scripted screenshots).
func LoadSettings(p Preferences) Settings {
	s := Settings{
		ServerURL: p.String(prefServerURL),
		Token:     p.String(prefToken),
		Language:  p.String(prefLanguage),
	}
	if v := os.Getenv("VERMERK_SERVER_URL"); v != "" {
		s.ServerURL = v
	}
	if v := os.Getenv("VERMERK_TOKEN"); v != "" {
		s.Token = v
	}
	if v := os.Getenv("VERMERK_LANG"); v != "" {
		s.Language = v
	}
	if s.ServerURL == "" {
		s.ServerURL = DefaultServerURL
	}
	s.Language = i18n.Normalize(s.Language)
	return s
}

// Save writes the settings back.
func (s Settings) Save(p Preferences) {
	p.SetString(prefServerURL, strings.TrimSpace(s.ServerURL))
	p.SetString(prefToken, strings.TrimSpace(s.Token))
	p.SetString(prefLanguage, i18n.Normalize(s.Language))
}

// Complete says whether the app can try to connect.
func (s Settings) Complete() bool {
	return strings.TrimSpace(s.ServerURL) != "" && strings.TrimSpace(s.Token) != ""
}

// ErrorText turns an error from the backend into a sentence for the user.
func ErrorText(err error, loc Localizer) string {
	if err == nil {
		return ""
	}
	var apiErr *api.Error
	msg := err.Error()
	if errors.As(err, &apiErr) {
		msg = apiErr.Message
	}
	data := map[string]any{"Message": msg}
	switch {
	case errors.Is(err, api.ErrUnreachable):
		return loc.T("error.unreachable", data)
	case errors.Is(err, api.ErrUnauthenticated):
		return loc.T("error.unauthenticated", data)
	case errors.Is(err, api.ErrForbidden):
		return loc.T("error.forbidden", data)
	case errors.Is(err, api.ErrNotFound):
		return loc.T("error.notfound", data)
	case errors.Is(err, ErrReasonRequired):
		return loc.T("override.required", data)
	}
	var missing ErrMissing
	if errors.As(err, &missing) {
		return loc.T("error.missing."+missing.Field, data)
	}
	return loc.T("error.other", data)
}
