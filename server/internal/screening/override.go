package screening

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
)

// Unseen is the one rule of an override of the blacklist, on every way in that takes one
// (DESIGN rule 6): an override covers the matches the person deciding was shown, and a match
// of any other entry needs a decision of its own. seen names the entries shown; now is the
// screening at write time. It returns now's matches of entries not in seen, in now's order.
//
// seen nil means the caller names none (an override without OverrideInput.entryIds, from a
// client written before them): it covers what matches when it writes. The contact form names
// the entries of the screening its refused write showed; a held import row, decided hours or
// days after it was held, the entries it showed (its entry and those a refusal named). Which
// unseen matches need a decision is the way in's: entry refuses for blocking ones (Blocking),
// as it does without override; an import holds for every kind.
func Unseen(seen []string, now *model.Screening) []*model.BlacklistMatch {
	if seen == nil || now == nil {
		return nil
	}
	var out []*model.BlacklistMatch
	for _, m := range now.Matches {
		if !slices.Contains(seen, m.Entry.ID) {
			out = append(out, m)
		}
	}
	return out
}

// RefuseUnseen answers BAD_USER_INPUT NEW_BLACKLIST_MATCH at field when now matches entries not
// in seen (Unseen), naming each entry, its kind and what matched, but nothing of the person:
// the override cannot pass as a decision about them. what names the write ("line 2").
func RefuseUnseen(field, what string, seen []string, now *model.Screening) error {
	unseen := Unseen(seen, now)
	if len(unseen) == 0 {
		return nil
	}
	return apperr.BadInput(field, apperr.ReasonNewBlacklistMatch,
		"%s matches the blacklist by %s, which the decision was not shown; nothing was written: look at it again and decide anew",
		what, DescribeMatches(unseen))
}

// DescribeMatches names matches for an audit text or an error, without personal data:
// "entry ID (EMAIL, MANUAL), entry ID (NAME_AND_ADDRESS, ERASURE)".
func DescribeMatches(ms []*model.BlacklistMatch) string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		kind := string(m.Entry.Source)
		if m.Entry.Restriction {
			kind += " restriction"
		}
		out = append(out, fmt.Sprintf("entry %s (%s, %s)", m.Entry.ID, m.Field, kind))
	}
	return strings.Join(out, ", ")
}

// Blocking are the matches of ms that block a write at entry: e-mail and phone (a
// name-and-address match only warns there).
func Blocking(ms []*model.BlacklistMatch) []*model.BlacklistMatch {
	var out []*model.BlacklistMatch
	for _, m := range ms {
		if m.Field == model.MatchFieldEmail || m.Field == model.MatchFieldPhone {
			out = append(out, m)
		}
	}
	return out
}
