package screening

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// phoneDiffRegions are the default regions the differential tests try: the
// fast ones, others with different prefixes, none, lower case and unknown.
var phoneDiffRegions = []string{"", "DE", "AT", "CH", "IT", "US", "de", " at ", "XX", "FR"}

func assertPhoneFastEqualsSlow(t *testing.T, s, region string) {
	t.Helper()
	got, gotErr := NormalizePhone(s, region)
	want, wantErr := normalizePhoneSlow(s, region)
	if got != want || errText(gotErr) != errText(wantErr) {
		t.Fatalf("NormalizePhone(%q, %q) = %q, %q; slow path = %q, %q", s, region, got, errText(gotErr), want, errText(wantErr))
	}
}

func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

var phoneDiffInputs = []string{
	"030/555 12-34", "+49 30 5551234", "0049305551234", "(030) 5551234",
	"030.555.1234", "+49-30-555-1234", "+49 (0)30 5551234", "+49 030 5551234",
	"0049 (0) 30 5551234", "0049 030 5551234", "0151 55501234", "+49 151 55501234",
	"0800 5551234", "0900 5551234", "+49 800 5551234",
	"+43 1 5551234", "01 5551234", "0043 1 5551234", "+43 (0)1 5551234",
	"+41 44 555 12 34", "044 555 12 34", "0041 44 555 12 34", "+41 (0)44 555 12 34",
	"+39 06 5551234", "06 5551234", "0039 06 5551234", "+39 335 555 1234",
	"+1 212 555 0123", "(212) 555-0123", "1 212 555 0123", "001 212 555 0123", "011 49 30 5551234",
	"030", "+49 30", "+49 3", "0", "+", "00", "0049", "+49", "+4", "+0", "+00", "+0049 30 5551234",
	"++49 30 5551234", "+ 49 30 5551234", "+(49) 30 5551234", "(+49) 30 5551234",
	"0 30 5551234", "00 49 30 5551234", "0 049 30 5551234", "00049 30 5551234", "000 30 5551234",
	"49305551234", "4930 5551234", "5551234", "305551234", "30 5551234",
	"030 5551234-", "030 5551234)", "-030 5551234", ")030( 5551234", "030//5551234", "030--5551234",
	"030 5551234 ext. 4", "030 5551234 x4", "030 5551234 #", "030 5551234,,12",
	"0300 5551234", "030 55512345678", "030 5", "03", "01", "0 1", "+49 1", "+49 12",
	"+49 30 " + strings.Repeat("5", 20), strings.Repeat("5", 300), "0" + strings.Repeat("3", 16),
	"+49" + strings.Repeat("3", 14), "+49" + strings.Repeat("3", 20), strings.Repeat("0", 30),
	"0049" + strings.Repeat("1", 15), "030\u00a05551234", "030\u20135551234", "０３０ 5551234",
	"030 5551234\t", "\t+49 30 5551234\n", "", "   ", "---", "12ab", "+999 5551234", "+42 30 5551234",
	"+40 21 555 1234", "+44 20 7946 0018", "+48 22 555 12 34", "+4 930 5551234",
}

func TestNormalizePhoneFastEqualsSlow(t *testing.T) {
	for _, s := range phoneDiffInputs {
		for _, r := range phoneDiffRegions {
			assertPhoneFastEqualsSlow(t, s, r)
		}
	}
}

// TestNormalizePhoneFastPathTaken makes sure the common shapes do not all
// fall through to the slow path, which would pass the differential test but
// lose the speed.
func TestNormalizePhoneFastPathTaken(t *testing.T) {
	for _, tt := range []struct{ in, region, want string }{
		{"030/555 12-34", "", "+49305551234"},
		{"+49 30 5551234", "IT", "+49305551234"},
		{"0049305551234", "DE", "+49305551234"},
		{"(030) 5551234", "de", "+49305551234"},
		{"+49 (0)30 5551234", "", "+49305551234"},
		{"+43 1 5551234", "", "+4315551234"},
		{"01 5551234", "AT", "+4315551234"},
		{"+41 44 555 12 34", "US", "+41445551234"},
		{"044 555 12 34", "CH", "+41445551234"},
	} {
		got, ok := normalizePhoneFast(tt.in, tt.region)
		if !ok || got != tt.want {
			t.Errorf("normalizePhoneFast(%q, %q) = %q, %v; want %q, true", tt.in, tt.region, got, ok, tt.want)
		}
	}
	for _, tt := range []struct{ in, region string }{
		{"+39 06 5551234", ""},       // Italian leading zero
		{"+1 212 555 0123", ""},      // national prefix "1"
		{"06 5551234", "IT"},         // region without the fast rules
		{"5551234", "DE"},            // no trunk prefix: may start with the calling code
		{"030 5551234", "XX"},        // unknown region
		{"030\u00a05551234", ""},     // non-ASCII separator
		{"030 5551234 ext. 4", "DE"}, // extension
		{"+49 30", ""},               // not possible: the error comes from the slow path
	} {
		if got, ok := normalizePhoneFast(tt.in, tt.region); ok {
			t.Errorf("normalizePhoneFast(%q, %q) = %q, true; want the slow path", tt.in, tt.region, got)
		}
	}
}

func FuzzNormalizePhoneFastEqualsSlow(f *testing.F) {
	for i, s := range phoneDiffInputs {
		f.Add(s, uint8(i))
	}
	f.Fuzz(func(t *testing.T, s string, regionIndex uint8) {
		assertPhoneFastEqualsSlow(t, s, phoneDiffRegions[int(regionIndex)%len(phoneDiffRegions)])
	})
}

func BenchmarkNormalizePhoneSlow(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		p := benchPhoneInputs[i%len(benchPhoneInputs)]
		if _, err := normalizePhoneSlow(p.in, p.region); err != nil {
			b.Fatal(err)
		}
	}
}

// TestNormalizePhoneFastEqualsSlowRandom compares the paths on random
// numbers of the shapes the fast path takes, where blind fuzzing rarely goes.
func TestNormalizePhoneFastEqualsSlowRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	prefixes := []string{"", "0", "00", "+", "+49", "+43", "+41", "0049", "0043", "0041", "+49 0", "+39", "+1", "0039", "00 0", "+0"}
	const chars = "0123456789012345678901234567890123456789 -/.()"
	for range 20000 {
		var b strings.Builder
		b.WriteString(prefixes[rng.IntN(len(prefixes))])
		for range rng.IntN(16) {
			b.WriteByte(chars[rng.IntN(len(chars))])
		}
		assertPhoneFastEqualsSlow(t, b.String(), phoneDiffRegions[rng.IntN(len(phoneDiffRegions))])
	}
}
