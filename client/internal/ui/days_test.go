package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/app"
	"github.com/vermerk/vermerk/client/internal/demo"
)

// Every field that takes a day hints at the form its user types — TT.MM.JJJJ in German,
// YYYY-MM-DD in English — reads a day typed so, and a day typed wrong is told that form.
func TestEveryDayFieldHintsTheFormItsUserTypes(t *testing.T) {
	for _, tc := range []struct{ lang, form, other, typed, wrong string }{
		{"de", "TT.MM.JJJJ", "JJJJ-MM-TT", "31.01.2027", "Den Tag als TT.MM.JJJJ schreiben, z. B. 03.11.2026."},
		{"en", "YYYY-MM-DD", "DD.MM.YYYY", "2027-01-31", "Write the day as YYYY-MM-DD, e.g. 2026-11-03."},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			test.NewTempApp(t)
			loc := SetLanguage(tc.lang)
			w := test.NewTempWindow(t, nil)
			consents := NewConsentsView(demo.New(), loc, w, "c002", nil, nil)
			test.Tap(consents.Grant)
			filing := newRequestFiling(nil, loc)
			office := NewOfficeScreen(nil, loc, w)
			for what, hint := range map[string]string{
				"the consent's given-at": consents.GrantForm.GivenAt.PlaceHolder,
				"the request's arrival":  filing.Received.PlaceHolder,
				"the token's expiry":     office.TokenExpires.PlaceHolder,
			} {
				if !strings.HasPrefix(hint, tc.form) || strings.Contains(hint, tc.other) {
					t.Errorf("%s hints %q, want %s", what, hint, tc.form)
				}
			}
			if day, err := app.ParseDay(tc.typed); err != nil || day.Format(time.DateOnly) != "2027-01-31" {
				t.Errorf("ParseDay(%q) = %v, %v", tc.typed, day, err)
			}
			if at, err := app.ParseGivenAt(tc.typed+" 14:30", time.Now().AddDate(2, 0, 0)); err != nil || at.Format("2006-01-02 15:04") != "2027-01-31 14:30" {
				t.Errorf("ParseGivenAt(%q) = %v, %v", tc.typed+" 14:30", at, err)
			}
			now := time.Date(2026, 6, 4, 12, 0, 0, 0, time.Local)
			var expiry expiryOffice
			if _, err := app.CreateToken(t.Context(), &expiry, app.TokenRequest{Name: "Webshop", Role: api.RoleStaff, Expires: tc.typed}, nil, now); err != nil ||
				expiry.at.Format(time.DateOnly) != "2027-01-31" {
				t.Errorf("token expiring %s: %s, sent %v", tc.typed, officeErrorText(err, loc), expiry.at)
			}
			_, err := app.CreateToken(t.Context(), nil, app.TokenRequest{Name: "Webshop", Role: api.RoleStaff, Expires: "Ende Januar"}, nil, now)
			if got := officeErrorText(err, loc); !strings.Contains(got, tc.form) {
				t.Errorf("token expiring at the end of January: %q, want the form %s", got, tc.form)
			}
			if got := app.ErrorText(app.ErrDayFormat, loc); got != tc.wrong {
				t.Errorf("a day typed wrong: %q, want %q", got, tc.wrong)
			}
			if got := app.TypedDay(time.Date(2027, 1, 31, 0, 0, 0, 0, time.Local), loc); got != tc.typed {
				t.Errorf("a day filled in advance (the extension's): %q, want %q", got, tc.typed)
			}
		})
	}
}

// expiryOffice takes the token the screen creates and keeps its expiry.
type expiryOffice struct {
	app.Office
	at time.Time
}

func (o *expiryOffice) CreateApiToken(_ context.Context, _ string, _ api.Role, _ []string, at time.Time) (api.CreatedApiToken, error) {
	o.at = at
	return api.CreatedApiToken{}, nil
}
