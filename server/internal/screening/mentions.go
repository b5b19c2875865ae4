package screening

import (
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

// Mentions reports whether text (a free-text reason: of an erasure, a blacklist entry, an
// override) quotes one of c's identifiers, and which kind: an e-mail address of c (in any
// spelling that normalises alike, or its local part alone when that is 6 characters or
// more), a phone number of c (its national number, whatever the
// separators or prefix), or c's family or given name as a word (umlauts and ß folded as in
// the name-and-address key), or c's street with its house number. Such a reason would keep personal data in the audit trail and
// the blacklist, which must hold none.
func Mentions(text string, c Candidate) (Kind, bool) {
	if mentionsEmail(text, c.Emails) {
		return KindEmail, true
	}
	if mentionsPhone(text, c.Phones, c.Country) {
		return KindPhone, true
	}
	if mentionsName(text, c.FamilyName, c.GivenName) || mentionsStreet(text, c.Street) {
		return KindNameAddress, true
	}
	return "", false
}

// mentionsStreet looks for c's street with its house number in text, folded as the
// name-and-address key folds it ("Lindenstraße 12", "Lindenstr. 12" and "lindenstrasse 12"
// alike; spaces and punctuation dropped). A street without a number is a place, not an
// address: "the Lindenstraße branch" names no one.
func mentionsStreet(text, street string) bool {
	streets := foldVariants(street)
	if !strings.ContainsFunc(streets[0], unicode.IsDigit) || !strings.ContainsFunc(streets[0], unicode.IsLetter) {
		return false
	}
	ae, a := foldBoth(text)
	ae, a = foldStreet(ae), foldStreet(a)
	for _, s := range streets {
		if s = foldStreet(s); strings.Contains(ae, s) || strings.Contains(a, s) {
			return true
		}
	}
	return false
}

// addressTokens are the words of text that may be e-mail addresses or their mailboxes: cut at
// characters no address holds (a "mailto:" falls away at its colon), a sentence's full stop
// trimmed.
func addressTokens(text string) []string {
	toks := strings.FieldsFunc(text, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(`,;:<>()[]"'`, r)
	})
	for i, tok := range toks {
		toks[i] = strings.TrimRight(tok, ".")
	}
	return toks
}

func mentionsEmail(text string, emails []string) bool {
	if len(emails) == 0 {
		return false
	}
	want := map[string]bool{}
	for _, e := range emails {
		if n, err := NormalizeEmail(e); err == nil {
			want[n] = true
			// "max.muster wrote": the mailbox without its domain names the person too
			for _, local := range []string{strings.SplitN(n, "@", 2)[0], strings.SplitN(strings.ToLower(strings.TrimSpace(e)), "@", 2)[0]} {
				if local, _, _ = strings.Cut(local, "+"); len(local) >= 6 {
					want[local] = true
				}
			}
		}
	}
	for _, tok := range addressTokens(text) {
		if !strings.Contains(tok, "@") {
			if want[strings.ToLower(tok)] {
				return true
			}
			continue
		}
		if n, err := NormalizeEmail(tok); err == nil && want[n] {
			return true
		}
	}
	return false
}

// mentionsPhone looks for the national significant number of each phone in the runs of
// digits of text (digits joined by spaces and the usual separators).
func mentionsPhone(text string, phones []string, country string) bool {
	if len(phones) == 0 {
		return false
	}
	region, _ := CountryRegion(country)
	var runs []string
	var cur strings.Builder
	for _, r := range text + "x" {
		switch {
		case r >= '0' && r <= '9':
			cur.WriteRune(r)
		case strings.ContainsRune(" -/().+", r), isPhoneSpace(r), isPhoneDash(r):
		default:
			if cur.Len() > 0 {
				runs = append(runs, cur.String())
				cur.Reset()
			}
		}
	}
	for _, p := range phones {
		e164, err := NormalizePhone(p, region)
		if err != nil {
			continue
		}
		num, err := phonenumbers.Parse(e164, "")
		if err != nil {
			continue
		}
		nsn := phonenumbers.GetNationalSignificantNumber(num)
		if len(nsn) < 5 {
			continue
		}
		for _, run := range runs {
			if strings.Contains(run, nsn) {
				return true
			}
		}
	}
	return false
}

// mentionsName looks for the family or given name as a whole word (or words) of text, in
// both foldings of umlauts.
func mentionsName(text, family, given string) bool {
	textAE, textA := " "+strings.Join(nameWords(text), " ")+" ", " "+strings.Join(nameWordsA(text), " ")+" "
	for _, name := range []string{family, given} {
		ae, a := nameWords(name), nameWordsA(name)
		if len(strings.Join(ae, "")) < 2 {
			continue
		}
		if strings.Contains(textAE, " "+strings.Join(ae, " ")+" ") || strings.Contains(textA, " "+strings.Join(a, " ")+" ") {
			return true
		}
	}
	return false
}

// nameWords folds each word of s (umlauts as ae/oe/ue); nameWordsA writes them as a/o/u.
func nameWords(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(s, isWordBreak) {
		if f := fold(w); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func nameWordsA(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(s, isWordBreak) {
		if _, f := foldBoth(w); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func isWordBreak(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
}

// Quoted is what text quotes that the blacklist can recognise: the e-mail addresses in it, and
// the phone numbers — runs of digits joined by the usual separators, alone or a few
// space-separated groups together, that read as a number of DefaultCountry or with a country
// code. A text that outlives the people it names (a request's outcome, written after the
// person was erased) is screened with it. Names are not looked up: the blacklist keeps them
// only together with an address.
func Quoted(text string) Candidate {
	var c Candidate
	seen := map[string]bool{}
	add := func(list *[]string, v string) {
		if !seen[v] {
			seen[v] = true
			*list = append(*list, v)
		}
	}
	for _, tok := range addressTokens(text) {
		if strings.Contains(tok, "@") {
			if n, err := NormalizeEmail(tok); err == nil {
				add(&c.Emails, n)
			}
		}
	}
	// groups: runs of digits and -/().+ ; a number may span a few groups split by spaces
	var groups [][]string // per stretch of text without other characters, its space-separated groups
	var cur []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			cur = append(cur, b.String())
			b.Reset()
		}
	}
	for _, r := range text + "x" {
		switch {
		case r >= '0' && r <= '9' || strings.ContainsRune("-/().+", r):
			b.WriteRune(r)
		case isPhoneDash(r):
			b.WriteRune('-')
		case isPhoneSpace(r):
			flush()
		default:
			flush()
			if len(cur) > 0 {
				groups = append(groups, cur)
				cur = nil
			}
		}
	}
	for _, g := range groups {
		for i := range g {
			for j := i + 1; j <= len(g) && j <= i+4; j++ {
				if n, err := NormalizePhone(strings.Join(g[i:j], " "), DefaultCountry); err == nil {
					add(&c.Phones, n)
				}
			}
		}
	}
	return c
}

// isPhoneSpace and isPhoneDash are the separators a phone is written with besides the ASCII
// ones (NormalizePhone reads no-break spaces and dashes): a text quoting the number with them
// quotes it too. Spaces are those within a line (a line break still ends a number); the minus
// sign counts as a dash, as word processors put it for one.
func isPhoneSpace(r rune) bool { return unicode.Is(unicode.Zs, r) || r == '\t' }

func isPhoneDash(r rune) bool { return unicode.Is(unicode.Pd, r) || r == '\u2212' }
