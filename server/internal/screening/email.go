package screening

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"

	"github.com/vermerk/vermerk/graph/apperr"
)

// idnaProfile is idna.Lookup plus the DNS length checks, so that an over-long
// domain is refused here rather than stored.
var idnaProfile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.Transitional(false),
	idna.CheckHyphens(true),
	idna.CheckJoiners(true),
	idna.VerifyDNSLength(true),
)

// NormalizeEmail returns the form of an e-mail address used for matching and
// de-duplication: CanonicalEmail, then the local part lower-cased, a sub-address
// ("+tag") removed, and for Gmail the dots removed and googlemail.com mapped to
// gmail.com. Two addresses that deliver to the same mailbox get the same value.
func NormalizeEmail(s string) (string, error) {
	local, domain, err := parseEmail(s)
	if err != nil {
		return "", err
	}
	return normalizeParsed(local, domain), nil
}

// EmailForms returns CanonicalEmail(s) and NormalizeEmail(s), parsing s once.
func EmailForms(s string) (canonical, normalized string, err error) {
	local, domain, err := parseEmail(s)
	if err != nil {
		return "", "", err
	}
	return local + "@" + domain, normalizeParsed(local, domain), nil
}

// normalizeParsed is NormalizeEmail of an address parseEmail split.
func normalizeParsed(local, domain string) string {
	local = norm.NFC.String(strings.ToLower(local))
	if i := strings.IndexByte(local, '+'); i > 0 {
		// A removed tag may leave "anna." behind, which is no valid local part.
		local = strings.TrimRight(local[:i], ".")
	}
	if domain == "googlemail.com" {
		domain = "gmail.com"
	}
	if domain == "gmail.com" {
		if l := strings.ReplaceAll(local, ".", ""); l != "" {
			local = l
		}
	}
	return local + "@" + domain
}

// CanonicalEmail returns an e-mail address as it is stored and shown: trimmed,
// Unicode NFC, the domain lower-cased and in ASCII (punycode), the local part
// as entered.
func CanonicalEmail(s string) (string, error) {
	local, domain, err := parseEmail(s)
	if err != nil {
		return "", err
	}
	return local + "@" + domain, nil
}

// parseEmail checks s and returns its local part (NFC, as entered) and its
// domain in lower-case ASCII.
func parseEmail(s string) (local, domain string, err error) {
	t := strings.TrimSpace(s)
	if local, domain, ok := plainEmail(t); ok {
		return checkDomain(t, local, strings.ToLower(domain))
	}
	return parseEmailFully(t)
}

// plainEmail splits t when it is an address that parseEmailFully would take apart without
// changing anything but the domain's case: at most 254 ASCII characters, a local part of at
// most 64 letters, digits and RFC 5322 atext characters in dot-separated runs, one @, and a
// domain of letter-digit-hyphen labels of 1 to 63 characters, none starting or ending with
// a hyphen or with hyphens in its third and fourth place (xn--…, which IDNA decodes). Such
// an address needs neither net/mail nor IDNA, which are most of the cost of a screen's
// normalisation; anything else (ok false) goes through them.
func plainEmail(t string) (local, domain string, ok bool) {
	if len(t) > 254 {
		return "", "", false
	}
	at := strings.IndexByte(t, '@')
	if at < 1 || at > 64 || at == len(t)-1 {
		return "", "", false
	}
	local, domain = t[:at], t[at+1:]
	prev := byte('.') // no leading dot
	for i := 0; i < len(local); i++ {
		c := local[i]
		switch {
		case c == '.':
			if prev == '.' {
				return "", "", false
			}
		case c >= 0x80 || !isAtext[c]:
			return "", "", false
		}
		prev = c
	}
	if prev == '.' {
		return "", "", false
	}
	if len(domain) > 253 {
		return "", "", false
	}
	for label := range strings.SplitSeq(domain, ".") {
		n := len(label)
		if n == 0 || n > 63 || label[0] == '-' || label[n-1] == '-' || n >= 4 && label[2] == '-' && label[3] == '-' {
			return "", "", false
		}
		for i := 0; i < n; i++ {
			if c := label[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return "", "", false
			}
		}
	}
	return local, domain, true
}

// isAtext: RFC 5322 atext (letters, digits and !#$%&'*+-/=?^_`{|}~), ASCII only.
var isAtext = func() (set [128]bool) {
	for c := 'a'; c <= 'z'; c++ {
		set[c], set[c-'a'+'A'] = true, true
	}
	for c := '0'; c <= '9'; c++ {
		set[c] = true
	}
	for _, c := range "!#$%&'*+-/=?^_`{|}~" {
		set[c] = true
	}
	return set
}()

// parseEmailFully is parseEmail of any trimmed t: every check, net/mail and IDNA.
func parseEmailFully(t string) (local, domain string, err error) {
	const what = "e-mail"
	switch {
	case t == "":
		return "", "", invalid(apperr.ReasonEmailEmpty, what, "is empty")
	case !utf8.ValidString(t):
		return "", "", invalid(apperr.ReasonTextNotUTF8, what, "is not valid UTF-8 text")
	}
	t = norm.NFC.String(t)
	if utf8.RuneCountInString(t) > 254 {
		return "", "", invalid(apperr.ReasonEmailTooLong, what, "is longer than 254 characters")
	}
	if strings.ContainsAny(t, "<>") {
		return "", "", invalid(apperr.ReasonEmailDisplayName, what, "must be a bare address such as name@example.org, without a display name")
	}
	for _, r := range t {
		switch {
		case unicode.IsSpace(r):
			return "", "", invalid(apperr.ReasonEmailHasSpace, what, "contains a space")
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			return "", "", invalid(apperr.ReasonEmailControlCharacter, what, "contains an invisible control character")
		}
	}
	at := strings.LastIndexByte(t, '@')
	switch {
	case at < 0:
		return "", "", invalid(apperr.ReasonEmailNoAt, what, "has no @")
	case at == len(t)-1:
		return "", "", invalid(apperr.ReasonEmailNoDomain, what, "has no domain")
	case at == 0:
		return "", "", invalid(apperr.ReasonEmailNoLocalPart, what, "has nothing before the @")
	case strings.Count(t, "@") > 1:
		return "", "", invalid(apperr.ReasonEmailSeveralAt, what, "has more than one @")
	}
	local, domain = t[:at], t[at+1:]
	if len(local) > 64 {
		return "", "", invalid(apperr.ReasonEmailLocalPartTooLong, what, "has more than 64 characters before the @")
	}
	if strings.HasPrefix(domain, "[") {
		return "", "", invalid(apperr.ReasonEmailIPDomain, what, "has an IP address as its domain; use a domain name")
	}
	// net/mail unquotes and drops comments, so anything it changed was not a plain address.
	if a, perr := mail.ParseAddress(t); perr != nil || a.Name != "" || a.Address != t {
		return "", "", invalid(apperr.ReasonEmailInvalid, what, "is not a valid e-mail address")
	}
	ascii, derr := idnaProfile.ToASCII(domain)
	if derr != nil {
		return "", "", invalid(apperr.ReasonEmailDomainInvalid, what, "has an invalid domain")
	}
	return checkDomain(t, local, ascii)
}

// checkDomain is the end of parseEmail: the checks of the ASCII domain and the whole length.
func checkDomain(t, local, ascii string) (string, string, error) {
	const what = "e-mail"
	dot := strings.LastIndexByte(ascii, '.')
	if dot < 0 {
		return "", "", invalid(apperr.ReasonEmailDomainNoDot, what, "has no dot in its domain")
	}
	if strings.Trim(ascii[dot+1:], "0123456789") == "" {
		return "", "", invalid(apperr.ReasonEmailDomainInvalid, what, "has an invalid domain")
	}
	if len(local)+1+len(ascii) > 254 {
		return "", "", invalid(apperr.ReasonEmailTooLong, what, "is longer than 254 characters")
	}
	return local, ascii, nil
}
