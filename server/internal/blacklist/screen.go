package blacklist

import (
	"context"
	"fmt"
	"slices"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// Screen checks a candidate (screen query). Without asTyped, identifiers that cannot be read
// are BAD_USER_INPUT naming the field, e.g. candidate.emails[0]; with it, they are skipped
// (screening.ReadAsTyped) and listed in Skipped at that path.
func (s *Service) Screen(ctx context.Context, candidate model.ContactInput, asTyped bool) (*model.Screening, error) {
	var ids screening.Identifiers
	var skipped []*model.SkippedValue
	if asTyped {
		c, skips, refused := screening.ReadAsTyped(contactInput(candidate))
		if err := screening.BadInput("candidate.", refused); err != nil {
			return nil, err
		}
		ids = s.keyring.IdentifyContact(c)
		for _, e := range skips {
			skipped = append(skipped, &model.SkippedValue{Field: "candidate." + e.Field, Reason: string(e.Reason)})
		}
	} else {
		var err error
		if ids, err = s.identify("candidate", candidate); err != nil {
			return nil, err
		}
	}
	scr := screeningOf(nil)
	if _, hashes := ids.Lookups(); len(hashes) > 0 {
		keys := make([]string, len(hashes))
		for i, h := range hashes {
			keys[i] = string(h)
		}
		rows, err := s.screens.Lookup(ctx, keys...)
		if err != nil {
			return nil, fmt.Errorf("blacklist.Screen: %w", err)
		}
		scr = screeningOf(rows)
	}
	if skipped != nil {
		scr.Skipped = skipped
	}
	return scr, nil
}

// ScreenTx checks a candidate that its caller validated already, with q (the writing
// transaction); identifiers that cannot be read are skipped.
func (s *Service) ScreenTx(ctx context.Context, q store.Querier, c screening.Candidate) (*model.Screening, error) {
	if err := LockShared(ctx, q, s.keyring); err != nil {
		return nil, fmt.Errorf("blacklist.ScreenTx: %w", err)
	}
	return screenLocked(ctx, q, s.keyring, s.keyIDs, c)
}

// ScreenLocked checks a candidate with q, a transaction that took the blacklist lock
// (LockShared) already, for a server with keyring: what ScreenTx does once it holds the lock,
// for writers outside this package (a held import row decided). Identifiers that cannot be
// read are skipped.
func ScreenLocked(ctx context.Context, q store.Querier, keyring *screening.Keyring, c screening.Candidate) (*model.Screening, error) {
	return screenLocked(ctx, q, keyring, keyring.KeyIDs(), c)
}

// screenLocked is the lookup of c under the blacklist lock, keyIDs being keyring's.
func screenLocked(ctx context.Context, q store.Querier, keyring *screening.Keyring, keyIDs []string, c screening.Candidate) (*model.Screening, error) {
	ids, _ := keyring.Identify(c)
	scr, err := lookup(ctx, q, keyIDs, ids)
	if err != nil {
		return nil, fmt.Errorf("blacklist: screen under the lock: %w", err)
	}
	return scr, nil
}

// identify normalises (screening.NormalizeContact, as every way in does) and hashes in;
// unreadable values are BAD_USER_INPUT errors under path.
func (s *Service) identify(path string, in model.ContactInput) (screening.Identifiers, error) {
	c, errs := screening.NormalizeContact(contactInput(in))
	if err := screening.BadInput(path+".", errs); err != nil {
		return nil, err
	}
	return s.keyring.IdentifyContact(c), nil
}

func contactInput(in model.ContactInput) screening.ContactInput {
	c := screening.ContactInput{Emails: in.Emails, Phones: in.Phones,
		GivenName: deref(in.GivenName), FamilyName: deref(in.FamilyName), Organization: deref(in.Organization)}
	if a := in.Address; a != nil {
		c.Address = &screening.AddressInput{Street: a.Street, PostalCode: a.PostalCode, City: a.City, Country: deref(a.Country)}
	}
	return c
}

// lookup finds the active entries holding any hash of ids, under any key, in one query on q.
func lookup(ctx context.Context, q store.Querier, keyIDs []string, ids screening.Identifiers) (*model.Screening, error) {
	_, hashes := ids.Lookups()
	var rows []hashRow
	if len(hashes) > 0 {
		if err := queryHashes(ctx, q, keyIDs, hashes, func(r hashRow) { rows = append(rows, r) }); err != nil {
			return nil, err
		}
	}
	return screeningOf(rows), nil
}

// screeningOf reports each (kind, entry) of rows once: e-mail and phone matches block,
// name-and-address matches only warn. Blocking kinds come first, the newest entry first.
func screeningOf(rows []hashRow) *model.Screening {
	scr := &model.Screening{Matches: []*model.BlacklistMatch{}, Skipped: []*model.SkippedValue{}}
	seen := map[[2]string]bool{}
	for _, r := range rows {
		if seen[[2]string{r.kind, r.entry.ID}] {
			continue
		}
		seen[[2]string{r.kind, r.entry.ID}] = true
		field := model.MatchField(r.kind)
		scr.Matches = append(scr.Matches, &model.BlacklistMatch{Field: field, Entry: r.entry})
		if field == model.MatchFieldEmail || field == model.MatchFieldPhone {
			scr.Blocked = true
		}
	}
	slices.SortFunc(scr.Matches, func(a, b *model.BlacklistMatch) int {
		if d := fieldRank(a.Field) - fieldRank(b.Field); d != 0 {
			return d
		}
		return b.Entry.CreatedAt.Compare(a.Entry.CreatedAt)
	})
	return scr
}

func fieldRank(f model.MatchField) int {
	return slices.Index(model.AllMatchField, f)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
