package screening

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		in, normalized, canonical string
	}{
		{"erika.mustermann@example.org", "erika.mustermann@example.org", "erika.mustermann@example.org"},
		{"  Erika.Mustermann@Example.ORG \n", "erika.mustermann@example.org", "Erika.Mustermann@example.org"},
		{"erika+newsletter@example.org", "erika@example.org", "erika+newsletter@example.org"},
		{"erika+a+b@example.org", "erika@example.org", "erika+a+b@example.org"},
		{"erika.+tag@example.org", "erika@example.org", "erika.+tag@example.org"},
		{"+tag@example.org", "+tag@example.org", "+tag@example.org"}, // nothing left to keep: not a sub-address
		{"Erika.Muster.Mann@gmail.com", "erikamustermann@gmail.com", "Erika.Muster.Mann@gmail.com"},
		{"e.r.i.k.a+shop@googlemail.com", "erika@gmail.com", "e.r.i.k.a+shop@googlemail.com"},
		{"erika.mustermann@GMAIL.com", "erikamustermann@gmail.com", "erika.mustermann@gmail.com"},
		{"erika.mustermann@example.com", "erika.mustermann@example.com", "erika.mustermann@example.com"}, // dots count outside Gmail
		{"erika@müller.de", "erika@xn--mller-kva.de", "erika@xn--mller-kva.de"},
		{"erika@MÜLLER.DE", "erika@xn--mller-kva.de", "erika@xn--mller-kva.de"},
		{"erika@xn--mller-kva.de", "erika@xn--mller-kva.de", "erika@xn--mller-kva.de"},
		{"erika@straße.example", "erika@xn--strae-oqa.example", "erika@xn--strae-oqa.example"},
		{"Jürgen@example.org", "jürgen@example.org", "Jürgen@example.org"},
		{"Ju\u0308rgen@example.org", "jürgen@example.org", "Jürgen@example.org"}, // NFD input, NFC out
		{"o'neil@sub.example.co.uk", "o'neil@sub.example.co.uk", "o'neil@sub.example.co.uk"},
	}
	for _, tt := range tests {
		got, err := NormalizeEmail(tt.in)
		if err != nil || got != tt.normalized {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", tt.in, got, err, tt.normalized)
		}
		got, err = CanonicalEmail(tt.in)
		if err != nil || got != tt.canonical {
			t.Errorf("CanonicalEmail(%q) = %q, %v; want %q", tt.in, got, err, tt.canonical)
		}
		c, n, err := EmailForms(tt.in)
		if err != nil || c != tt.canonical || n != tt.normalized {
			t.Errorf("EmailForms(%q) = %q, %q, %v; want %q, %q", tt.in, c, n, err, tt.canonical, tt.normalized)
		}
	}
}

func TestNormalizeEmailErrors(t *testing.T) {
	tests := []struct{ in, msg string }{
		{"", `e-mail is empty`},
		{"   ", `e-mail is empty`},
		{"anna@", `e-mail has no domain`},
		{"anna", `e-mail has no @`},
		{"@example.org", `e-mail has nothing before the @`},
		{"anna@@example.org", `e-mail has more than one @`},
		{"anna@localhost", `e-mail has no dot in its domain`},
		{"anna@1.2.3.4", `e-mail has an invalid domain`},
		{"anna@[192.0.2.1]", `e-mail has an IP address as its domain; use a domain name`},
		{"anna@exa_mple.org", `e-mail has an invalid domain`},
		{"anna mustermann@example.org", `e-mail contains a space`},
		{"anna\u200b@example.org", `e-mail contains an invisible control character`},
		{"Anna <anna@example.org>", `e-mail must be a bare address such as name@example.org, without a display name`},
		{"anna..m@example.org", `e-mail is not a valid e-mail address`},
		{"anna.@example.org", `e-mail is not a valid e-mail address`},
		{`"anna m"@example.org`, `e-mail contains a space`},
		{`"anna"@example.org`, `e-mail is not a valid e-mail address`},
		{"anna@example.org (Anna)", `e-mail contains a space`},
		{"anna@example.org.", `e-mail is not a valid e-mail address`},
		{strings.Repeat("a", 65) + "@example.org", `e-mail has more than 64 characters before the @`},
		{"a@" + strings.Repeat("b", 300) + ".org", `e-mail is longer than 254 characters`},
		{"a@" + strings.Repeat("b", 64) + ".org", `e-mail has an invalid domain`}, // label > 63
	}
	for _, tt := range tests {
		if _, _, err := EmailForms(tt.in); err == nil || err.Error() != tt.msg {
			t.Errorf("EmailForms(%q): %v; want error %s", tt.in, err, tt.msg)
		}
		for name, f := range map[string]func(string) (string, error){"NormalizeEmail": NormalizeEmail, "CanonicalEmail": CanonicalEmail} {
			got, err := f(tt.in)
			if err == nil || err.Error() != tt.msg {
				t.Errorf("%s(%q) = %q, %v; want error %s", name, tt.in, got, err, tt.msg)
			}
		}
	}
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"erika.mustermann@example.org", "E.R.I.K.A+x@googlemail.com", "jürgen@müller.de", "anna@", "a.+b@example.com", "+x@example.org"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := NormalizeEmail(s)
		c, cerr := CanonicalEmail(s)
		if (err == nil) != (cerr == nil) {
			t.Fatalf("NormalizeEmail(%q) err %v but CanonicalEmail err %v", s, err, cerr)
		}
		if err != nil {
			if msg := err.Error(); utf8.RuneCountInString(msg) > 200 {
				t.Fatalf("error message too long: %d runes", utf8.RuneCountInString(msg))
			}
			return
		}
		if n2, err := NormalizeEmail(n); err != nil || n2 != n {
			t.Fatalf("NormalizeEmail(%q) = %q, NormalizeEmail of that = %q, %v", s, n, n2, err)
		}
		if c2, err := CanonicalEmail(c); err != nil || c2 != c {
			t.Fatalf("CanonicalEmail(%q) = %q, CanonicalEmail of that = %q, %v", s, c, c2, err)
		}
		if n2, err := NormalizeEmail(c); err != nil || n2 != n {
			t.Fatalf("NormalizeEmail(CanonicalEmail(%q)) = %q, %v; want %q", s, n2, err, n)
		}
	})
}
