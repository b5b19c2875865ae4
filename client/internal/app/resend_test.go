package app

import (
	"fmt"
	"testing"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/i18n"
)

// Every screen that names itself has its own words, in both languages, for a write sent again
// changed after a lost answer; a screen without one (a confirmation) says the reason's
// general text; any other error is not worded here.
func TestAChangedWriteSentAgainIsWordedByItsScreen(t *testing.T) {
	reused := fmt.Errorf("startImport: %w", &api.Error{Code: "BAD_USER_INPUT", Reason: "IDEMPOTENCY_KEY_REUSED", Field: "Idempotency-Key"})
	for _, lang := range []string{"de", "en"} {
		loc := i18n.MustNew(lang)
		general := loc.T("reason.IDEMPOTENCY_KEY_REUSED", nil)
		seen := map[string]Screen{}
		for _, s := range Screens {
			text, ok := ChangedText(s, reused, "messe.csv", loc)
			if !ok || text == s.ChangedKey() || text == general {
				t.Errorf("%s: screen %q says %q, want a text of its own (%s)", lang, s, text, s.ChangedKey())
			}
			if other, dup := seen[text]; dup {
				t.Errorf("%s: screens %q and %q say the same: %q", lang, s, other, text)
			}
			seen[text] = s
			if got := SubmissionErrorTextNaming(reused, s, "messe.csv", loc); got != text {
				t.Errorf("%s: SubmissionErrorText for %q = %q, want %q", lang, s, got, text)
			}
		}
		if text, _ := ChangedText(NoScreen, reused, "", loc); text != general {
			t.Errorf("%s: a confirmation says %q, want the general %q", lang, text, general)
		}
	}
	other := &api.Error{Code: "BAD_USER_INPUT", Reason: "EMAIL_NO_DOMAIN"}
	if text, ok := ChangedText(ScreenImportStart, other, "messe.csv", i18n.MustNew("en")); ok {
		t.Errorf("another refusal is worded as a changed resend: %q", text)
	}
}
