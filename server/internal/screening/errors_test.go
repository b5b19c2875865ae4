package screening

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vermerk/vermerk/graph/apperr"
)

func TestValueErrorShortensValue(t *testing.T) {
	tests := []struct{ value, want string }{
		{"anna@", `e-mail "anna@" is wrong`},
		{strings.Repeat("ä", 70), `e-mail "` + strings.Repeat("ä", 59) + `…" is wrong`},
		{strings.Repeat("\x01", 70), `e-mail "` + strings.Repeat(`\x01`, 14) + `…" is wrong`},
		{"\xff\xfe@example.org", "e-mail \"\uFFFD@example.org\" is wrong"}, // invalid UTF-8 shown as one replacement character
	}
	for _, tt := range tests {
		got := invalid(apperr.ReasonEmailInvalid, "e-mail", tt.value, "is wrong").Error()
		if got != tt.want {
			t.Errorf("message for %q:\n got %s\nwant %s", tt.value, got, tt.want)
		}
		if n := utf8.RuneCountInString(got); n > 80 {
			t.Errorf("message has %d runes", n)
		}
	}
}
