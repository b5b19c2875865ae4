package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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

// LoadSettings reads the preferences and the token file. VERMERK_SERVER_URL, VERMERK_TOKEN
// and VERMERK_LANG, when set, win (for `make client` and scripted screenshots). A token that
// an older version kept in the preferences moves to the token file.
func LoadSettings(p Preferences) Settings {
	s := Settings{
		ServerURL: p.String(prefServerURL),
		Token:     readToken(),
		Language:  p.String(prefLanguage),
	}
	if old := p.String(prefToken); old != "" {
		if s.Token == "" && writeToken(old) == nil {
			s.Token = old
		}
		if s.Token != "" {
			p.SetString(prefToken, "")
		}
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

// Save writes the settings back: the token to its own file, the rest to the preferences.
func (s Settings) Save(p Preferences) error {
	p.SetString(prefServerURL, strings.TrimSpace(s.ServerURL))
	p.SetString(prefLanguage, i18n.Normalize(s.Language))
	return writeToken(strings.TrimSpace(s.Token))
}

// TokenPath is where the bearer token is kept: a file only its owner may read
// (~/.config/vermerk/token on Linux), not the preferences file, which Fyne writes readable
// for everyone on the machine.
func TokenPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no configuration directory for the token: %w", err)
	}
	return filepath.Join(dir, "vermerk", "token"), nil
}

func readToken() string {
	path, err := TokenPath()
	if err != nil {
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// TokenFileError: the token file could not be written or removed; the token typed holds
// only until the app ends.
type TokenFileError struct {
	Path string
	Err  error
}

func (e *TokenFileError) Error() string { return "token file " + e.Path + ": " + e.Err.Error() }

func (e *TokenFileError) Unwrap() error { return e.Err }

// writeToken replaces the token file (mode 0600, written aside and renamed, so a crash leaves
// the old token or the new one); an empty token removes it. It fails with a *TokenFileError.
func writeToken(token string) error {
	path, err := TokenPath()
	if err != nil {
		return &TokenFileError{Path: "~/.config/vermerk/token", Err: err}
	}
	if err := replaceToken(path, token); err != nil {
		return &TokenFileError{Path: path, Err: err}
	}
	return nil
}

func replaceToken(path, token string) error {
	if token == "" {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove: %w", err)
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("its folder: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".token-*")
	if err != nil {
		return fmt.Errorf("write: %w", err)
	}
	defer os.Remove(f.Name()) // after the rename, nothing is there any more
	_, err = f.WriteString(token + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// Complete says whether the app can try to connect.
func (s Settings) Complete() bool {
	return strings.TrimSpace(s.ServerURL) != "" && strings.TrimSpace(s.Token) != ""
}

// ErrorText turns an error from the backend into a sentence for the user, in the user's
// language: input errors are worded from their reason codes (ReasonText), never from the
// server's English message.
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
	var tokenErr *TokenFileError
	switch {
	case errors.Is(err, api.ErrNoWebSocket) && apiErr != nil:
		return loc.T("error.nowebsocket", map[string]any{"Server": apiErr.Server})
	case errors.Is(err, api.ErrUnreachable):
		// The network's own words (dial tcp …: connection refused) help no one at a desk:
		// which server did not answer, and what to do. The shell shows them under details.
		if apiErr == nil || apiErr.Server == "" {
			return loc.T("error.unreachable.unnamed", nil)
		}
		return loc.T("error.unreachable", map[string]any{"Server": apiErr.Server})
	case errors.Is(err, api.ErrAnswerLost):
		// The server was reached: "not reachable" would send the user checking the address.
		if apiErr == nil || apiErr.Server == "" {
			return loc.T("error.answerlost.unnamed", nil)
		}
		return loc.T("error.answerlost", map[string]any{"Server": apiErr.Server})
	case errors.Is(err, api.ErrNoAnswer) && apiErr != nil:
		return loc.T("error.noanswer", map[string]any{"Server": apiErr.Server})
	case errors.Is(err, api.ErrGateway) && apiErr != nil:
		return loc.T("error.gateway", map[string]any{"Server": apiErr.Server})
	case errors.Is(err, api.ErrUnauthenticated):
		return loc.T("error.unauthenticated", data)
	case errors.Is(err, api.ErrForbidden):
		return loc.T("error.forbidden", data)
	case errors.Is(err, api.ErrNotFound):
		return loc.T("error.notfound", data)
	case errors.Is(err, api.ErrUnavailable):
		return loc.T("error.unavailable", data)
	case errors.Is(err, api.ErrInsecureURL):
		return loc.T("error.insecure_url", data)
	case errors.Is(err, api.ErrBadInput) && apiErr != nil:
		return BadInputText(apiErr, loc)
	case apiErr != nil && (apiErr.Code == "INTERNAL" || strings.HasPrefix(apiErr.Code, "HTTP_")):
		return loc.T("error.internal", data)
	case errors.As(err, &tokenErr):
		return loc.T("error.tokenfile", map[string]any{"Path": tokenErr.Path})
	case errors.Is(err, ErrReasonRequired):
		return loc.T("override.required", data)
	case errors.Is(err, ErrGivenAtFormat):
		return loc.T("error.givenat.format", DayData(loc))
	case errors.Is(err, ErrGivenAtFuture):
		return loc.T("error.givenat.future", data)
	case errors.Is(err, ErrDayFormat):
		return loc.T("error.day.format", DayData(loc))
	case errors.Is(err, ErrToldFormat):
		return loc.T("error.told.format", DayData(loc))
	}
	var missing ErrMissing
	if errors.As(err, &missing) {
		return loc.T("error.missing."+missing.Field, data)
	}
	return loc.T("error.other", data)
}
