package app

// Red-team test of issue 15 (hardening), item 8: the app explains a refused http:// URL in
// German and English. Run against the code before the fix, it failed.

import (
	"strings"
	"testing"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/i18n"
)

func TestRedTeamInsecureURLIsExplained(t *testing.T) {
	_, err := api.New("http://vermerk.example.com", "vmk_secret")
	for lang, want := range map[string]string{"de": "unverschlüsselt", "en": "unencrypted"} {
		if got := ErrorText(err, i18n.MustNew(lang)); !strings.Contains(got, want) || !strings.Contains(got, "https://") {
			t.Errorf("%s: %q; want a text that says %q and names https://", lang, got, want)
		}
	}
}
