package screening

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// The compiled rules of every fast region say what phonenumbers.IsValidNumber says, on random
// national numbers of every length the plans allow and some they do not.
func TestFastPhoneRulesEqualIsValidNumber(t *testing.T) {
	rules := fastPhoneRules()
	regions := fastPhoneRegions()
	if len(rules) != len(regions) || len(rules) == 0 {
		t.Fatalf("rules for %d calling codes, %d fast regions; want one for each", len(rules), len(regions))
	}
	rng := rand.New(rand.NewPCG(3, 4))
	valid := 0
	for region, cc := range regions {
		for i := range 60000 {
			// Half the numbers begin with a known prefix of the region, so that many are valid.
			var nsn []byte
			if i%2 == 0 {
				prefixes := []string{"30", "40", "89", "151", "160", "170", "176", "1", "2", "44", "43", "800", "900", "180", "700", "32", "69", "221"}
				nsn = append(nsn, prefixes[rng.IntN(len(prefixes))]...)
			} else {
				nsn = append(nsn, byte('1'+rng.IntN(9)))
			}
			for range rng.IntN(14) {
				nsn = append(nsn, byte('0'+rng.IntN(10)))
			}
			nn, err := strconv.ParseUint(string(nsn), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			num := &phonenumbers.PhoneNumber{CountryCode: &cc, NationalNumber: &nn}
			want := phonenumbers.IsValidNumber(num)
			if got := rules[cc].valid(string(nsn)); got != want {
				t.Fatalf("%s +%d %s: compiled rules say valid %v, phonenumbers %v", region, cc, nsn, got, want)
			}
			if want {
				valid++
			}
		}
	}
	if valid < 10000 {
		t.Errorf("only %d valid numbers among those tried; the test would not notice a rule that refuses valid numbers", valid)
	}
}
