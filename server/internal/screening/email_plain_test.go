package screening

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestPlainEmailIsParsedAsFully: the shortcut for plain ASCII addresses gives what net/mail and
// IDNA give (the same parts, the same error), for hand-picked and for random addresses.
func TestPlainEmailIsParsedAsFully(t *testing.T) {
	cases := []string{
		"max.muster@example.com", "Max.Muster+news@Example.COM", "erika@EXAMPLE.org", "a@b.c",
		"max..muster@example.com", ".max@example.com", "max.@example.com", "max@example..com",
		"max@-example.com", "max@example-.com", "max@xn--mnchen-3ya.de", "max@ab--cd.de", "max@example.123",
		"max@example", "max@example.com.", "max@.example.com", "o'brien@example.ie", "a/b=c?d^e`f{g|h}i~j@example.com",
		"max_muster@sub-domain.example.co.uk", "\"max\"@example.com", "max@[127.0.0.1]", "max@exa_mple.com",
		strings.Repeat("a", 64) + "@example.com", strings.Repeat("a", 65) + "@example.com",
		"max@" + strings.Repeat("a", 63) + ".com", "max@" + strings.Repeat("a", 64) + ".com",
		"max@" + strings.Repeat("abcdefghi.", 25) + "com", "m@x@example.com", "max(comment)@example.com",
	}
	rnd := rand.New(rand.NewPCG(19, 5))
	const alphabet = "abcXYZ019.-_+'@@..--xn"
	for range 200000 {
		n := 3 + rnd.IntN(14)
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rnd.IntN(len(alphabet))]
		}
		cases = append(cases, string(b))
	}
	plain := 0
	for _, s := range cases {
		if _, _, ok := plainEmail(s); !ok {
			continue
		}
		plain++
		l1, d1, err1 := parseEmail(s)
		l2, d2, err2 := parseEmailFully(s)
		if l1 != l2 || d1 != d2 || fmt.Sprint(err1) != fmt.Sprint(err2) {
			t.Errorf("%q: plain gives %q %q %v, fully %q %q %v", s, l1, d1, err1, l2, d2, err2)
		}
	}
	t.Logf("%d of %d cases plain", plain, len(cases))
	if plain < 1000 {
		t.Errorf("only %d of %d cases were plain: the shortcut is not tried", plain, len(cases))
	}
}
