package screening

import (
	"errors"
	"strings"
	"testing"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
)

func TestUnseen(t *testing.T) {
	a := &model.BlacklistMatch{Field: model.MatchFieldEmail, Entry: &model.BlacklistEntry{ID: "a", Source: model.BlacklistSourceErasure}}
	b := &model.BlacklistMatch{Field: model.MatchFieldPhone, Entry: &model.BlacklistEntry{ID: "b", Source: model.BlacklistSourceManual, Restriction: true}}
	now := &model.Screening{Blocked: true, Matches: []*model.BlacklistMatch{a, b}}
	for _, c := range []struct {
		name string
		seen []string
		now  *model.Screening
		want []string
	}{
		{"the form names no entries: its override covers what matches", nil, now, nil},
		{"every entry shown", []string{"b", "a"}, now, nil},
		{"one shown, one new", []string{"a"}, now, []string{"b"}},
		{"the one shown lifted, another new", []string{"c"}, now, []string{"a", "b"}},
		{"nothing matches any more", []string{"a"}, &model.Screening{Matches: []*model.BlacklistMatch{}}, nil},
	} {
		var got []string
		for _, m := range Unseen(c.seen, c.now) {
			got = append(got, m.Entry.ID)
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: unseen %v, want %v", c.name, got, c.want)
		}
	}

	err := RefuseUnseen("accept", "line 2", []string{"a"}, now)
	var e *apperr.Error
	if !errors.As(err, &e) || e.Reason != apperr.ReasonNewBlacklistMatch || e.Field != "accept" ||
		!strings.Contains(e.Message, "entry b (PHONE, MANUAL restriction)") || strings.Contains(e.Message, "entry a") {
		t.Errorf("RefuseUnseen = %#v, want NEW_BLACKLIST_MATCH at accept naming entry b (PHONE, MANUAL restriction) only", err)
	}
	if err := RefuseUnseen("accept", "line 2", []string{"a", "b"}, now); err != nil {
		t.Errorf("RefuseUnseen with every entry shown = %v", err)
	}
}
