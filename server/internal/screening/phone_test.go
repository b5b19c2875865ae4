package screening

import (
	"strings"
	"testing"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct{ in, region, want string }{
		{"030/555 01-23", "", "+49305550123"},
		{"030 5550123", "", "+49305550123"},
		{"030-555-0123", "", "+49305550123"},
		{"(030) 5550123", "", "+49305550123"},
		{"+49 30 5550123", "", "+49305550123"},
		{"+49 (0)30 5550123", "", "+49305550123"},
		{"0049 30 5550123", "", "+49305550123"},
		{"0049305550123", "", "+49305550123"},
		{"+49-30-555-0123", "", "+49305550123"},
		{"030.555.0123", "", "+49305550123"},
		{"030\u00a0555\u20130123", "", "+49305550123"}, // no-break space, en dash
		{"  030/5550123  ", "de", "+49305550123"},
		{"0151 55501234", "DE", "+4915155501234"},
		{"+49305550123", "AT", "+49305550123"}, // a country code beats the region
		{"01 5550123", "AT", "+4315550123"},
		{"+43 1 5550123", "", "+4315550123"},
		{"044 555 01 23", "CH", "+41445550123"},
	}
	for _, tt := range tests {
		got, err := NormalizePhone(tt.in, tt.region)
		if err != nil || got != tt.want {
			t.Errorf("NormalizePhone(%q, %q) = %q, %v; want %q", tt.in, tt.region, got, err, tt.want)
		}
	}
}

func TestNormalizePhoneErrors(t *testing.T) {
	tests := []struct{ in, region, msg string }{
		{"", "", `phone is empty`},
		{"12ab", "", `phone is not a valid phone number`},
		{"0800 FLOWERS", "", `phone is not a valid phone number`},
		{"030 5550123 ext. 4", "", `phone is not a valid phone number`},
		{"---", "", `phone is not a valid phone number`},
		{"1", "", `phone is not a valid phone number`},
		{"+49 30", "", `phone is too short; is the area code missing?`},
		{"+49 3", "", `phone is too short to be a phone number`},
		{"+999 5550123", "", `phone has an unknown country code`},
		{"030 5550123", "XX", `phone needs a country code, for example +49`},
		{"+49 30 " + strings.Repeat("5", 20), "", `phone is too long to be a phone number`},
		{strings.Repeat("5", 300), "", `phone is too long to be a phone number`},
	}
	for _, tt := range tests {
		got, err := NormalizePhone(tt.in, tt.region)
		if err == nil || err.Error() != tt.msg {
			t.Errorf("NormalizePhone(%q, %q) = %q, %v; want error %s", tt.in, tt.region, got, err, tt.msg)
		}
	}
}

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"030/555 01-23", "+49 30 5550123", "0049305550123", "(030) 5550123", "12ab", "+43 1 5550123"} {
		f.Add(s, "")
		f.Add(s, "AT")
	}
	f.Fuzz(func(t *testing.T, s, region string) {
		n, err := NormalizePhone(s, region)
		if err != nil {
			return
		}
		if !strings.HasPrefix(n, "+") || strings.Trim(n[1:], "0123456789") != "" {
			t.Fatalf("NormalizePhone(%q, %q) = %q, not E.164", s, region, n)
		}
		for _, r := range []string{"", "DE", "US", region} {
			if n2, err := NormalizePhone(n, r); err != nil || n2 != n {
				t.Fatalf("NormalizePhone(%q, %q) = %q, NormalizePhone(%q, %q) = %q, %v", s, region, n, n, r, n2, err)
			}
		}
	})
}
