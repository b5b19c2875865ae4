package screening

import "testing"

var benchPhoneInputs = []struct{ in, region string }{
	{"030/555 12-34", ""},
	{"+49 30 5551234", ""},
	{"0049305551234", "DE"},
	{"(030) 5551234", ""},
	{"0151 55501234", "DE"},
	{"+43 1 5551234", ""},
	{"044 555 12 34", "CH"},
	{"+49 (0)30 5551234", ""},
}

func BenchmarkNormalizePhone(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		p := benchPhoneInputs[i%len(benchPhoneInputs)]
		if _, err := NormalizePhone(p.in, p.region); err != nil {
			b.Fatal(err)
		}
	}
}
