package screening

import (
	"regexp"
	"slices"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// phoneRules is the numbering plan of one fast region, from phonenumbers' metadata, compiled
// once: the check phonenumbers.IsValidNumber makes, without its work per call (it builds each
// pattern's string, looks the pattern up in a locked cache and matches it twice, for every
// number type in turn; a third of the import's phone normalisation).
type phoneRules struct {
	general descRule
	types   []descRule // fixed line and mobile first: most numbers are one of them
}

// descRule is one phonenumbers.PhoneNumberDesc: its possible lengths and its pattern.
type descRule struct {
	lengths []int32
	re      *regexp.Regexp
}

// matches is phonenumbers' isNumberMatchingDesc.
func (d descRule) matches(nsn string) bool {
	if len(d.lengths) > 0 && !slices.Contains(d.lengths, int32(len(nsn))) {
		return false
	}
	return d.re.MatchString(nsn)
}

// valid reports what phonenumbers.IsValidNumber does for a number of the region with the
// national significant number nsn: it matches the general description and one of the number
// types (getNumberTypeHelper is not UNKNOWN; the order of the types does not change that).
func (r *phoneRules) valid(nsn string) bool {
	if !r.general.matches(nsn) {
		return false
	}
	for _, t := range r.types {
		if t.matches(nsn) {
			return true
		}
	}
	return false
}

// fastPhoneRules are the rules of the fast regions, by country calling code; a region whose
// metadata cannot be compiled is left out (its numbers use phonenumbers.IsValidNumber).
var fastPhoneRules = sync.OnceValue(func() map[int32]*phoneRules {
	out := map[int32]*phoneRules{}
	all, err := phonenumbers.MetadataCollection()
	if err != nil {
		return out
	}
	regions := fastPhoneRegions()
	for _, m := range all.GetMetadata() {
		cc, ok := regions[m.GetId()]
		if !ok {
			continue
		}
		descs := []*phonenumbers.PhoneNumberDesc{m.GetFixedLine()}
		if !m.GetSameMobileAndFixedLinePattern() {
			descs = append(descs, m.GetMobile())
		}
		descs = append(descs, m.GetPremiumRate(), m.GetTollFree(), m.GetSharedCost(), m.GetVoip(),
			m.GetPersonalNumber(), m.GetPager(), m.GetUan(), m.GetVoicemail())
		r, err := compilePhoneRules(m.GetGeneralDesc(), descs)
		if err == nil {
			out[cc] = r
		}
	}
	return out
})

func compilePhoneRules(general *phonenumbers.PhoneNumberDesc, types []*phonenumbers.PhoneNumberDesc) (*phoneRules, error) {
	compile := func(d *phonenumbers.PhoneNumberDesc) (descRule, error) {
		re, err := regexp.Compile("^(?:" + d.GetNationalNumberPattern() + ")$")
		return descRule{lengths: d.GetPossibleLength(), re: re}, err
	}
	g, err := compile(general)
	if err != nil {
		return nil, err
	}
	r := &phoneRules{general: g}
	for _, d := range types {
		if d == nil { // phonenumbers would not find a match either
			continue
		}
		t, err := compile(d)
		if err != nil {
			return nil, err
		}
		r.types = append(r.types, t)
	}
	return r, nil
}

// validFastNumber is phonenumbers.IsValidNumber for a number of a fast region's calling code
// cc with the national significant number nsn.
func validFastNumber(cc int32, nsn string, num *phonenumbers.PhoneNumber) bool {
	if r := fastPhoneRules()[cc]; r != nil {
		return r.valid(nsn)
	}
	return phonenumbers.IsValidNumber(num)
}
