package blacklist

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// maxIdentifiers bounds the e-mails and phones of one candidate, so one screen stays one
// small indexed lookup.
const maxIdentifiers = 50

// Screen checks a candidate as typed (screen query). Identifiers that cannot be read are
// BAD_USER_INPUT naming the field, e.g. candidate.emails[0].
func (s *Service) Screen(ctx context.Context, candidate model.ContactInput) (*model.Screening, error) {
	ids, err := s.identify("candidate", candidate)
	if err != nil {
		return nil, err
	}
	scr, err := lookup(ctx, s.db.Pool, ids)
	if err != nil {
		return nil, fmt.Errorf("blacklist.Screen: %w", err)
	}
	return scr, nil
}

// ScreenTx checks a candidate that its caller validated already, with q (the writing
// transaction); identifiers that cannot be read are skipped.
func (s *Service) ScreenTx(ctx context.Context, q store.Querier, c screening.Candidate) (*model.Screening, error) {
	ids, _ := s.keyring.Identify(c)
	if err := LockShared(ctx, q); err != nil {
		return nil, fmt.Errorf("blacklist.ScreenTx: %w", err)
	}
	scr, err := lookup(ctx, q, ids)
	if err != nil {
		return nil, fmt.Errorf("blacklist.ScreenTx: %w", err)
	}
	return scr, nil
}

// identify normalises and hashes in; unreadable values are apperr errors under path.
func (s *Service) identify(path string, in model.ContactInput) (screening.Identifiers, error) {
	var errs apperr.List
	if len(in.Emails) > maxIdentifiers {
		errs = append(errs, apperr.Invalid(path+".emails", "at most %d e-mail addresses at once", maxIdentifiers))
	}
	if len(in.Phones) > maxIdentifiers {
		errs = append(errs, apperr.Invalid(path+".phones", "at most %d phone numbers at once", maxIdentifiers))
	}
	if errs != nil {
		return nil, errs
	}
	ids, verrs := s.keyring.Identify(candidate(in))
	for _, err := range verrs {
		var ve *screening.ValueError
		if !errors.As(err, &ve) {
			return nil, fmt.Errorf("blacklist.identify: %w", err)
		}
		msg := *ve
		msg.Field = ""
		errs = append(errs, apperr.Invalid(path+"."+ve.Field, "%s", msg.Error()))
	}
	if errs != nil {
		return nil, errs
	}
	return ids, nil
}

func candidate(in model.ContactInput) screening.Candidate {
	c := screening.Candidate{Emails: in.Emails, Phones: in.Phones,
		GivenName: deref(in.GivenName), FamilyName: deref(in.FamilyName), Organization: deref(in.Organization)}
	if a := in.Address; a != nil {
		c.Street, c.PostalCode, c.City = a.Street, a.PostalCode, a.City
		c.Country = deref(a.Country)
	}
	return c
}

// lookup finds the active entries holding any hash of ids, under any key, in one query,
// and reports each (kind, entry) once: e-mail and phone matches block, name-and-address
// matches only warn.
func lookup(ctx context.Context, q store.Querier, ids screening.Identifiers) (*model.Screening, error) {
	scr := &model.Screening{Matches: []*model.BlacklistMatch{}}
	_, hashes := ids.Lookups()
	if len(hashes) == 0 {
		return scr, nil
	}
	rows, err := q.Query(ctx, `SELECT `+entryColumns+`, h.kind
		FROM blacklist_hashes h JOIN blacklist_entries e ON e.id = h.entry_id
		WHERE h.hash = ANY($1::bytea[]) AND e.removed_at IS NULL`, hashes)
	if err != nil {
		return nil, fmt.Errorf("lookup: %w", err)
	}
	defer rows.Close()
	seen := map[[2]string]bool{}
	for rows.Next() {
		var kind string
		e, err := scanEntry(rows, &kind)
		if err != nil {
			return nil, fmt.Errorf("lookup: %w", err)
		}
		if seen[[2]string{kind, e.ID}] {
			continue
		}
		seen[[2]string{kind, e.ID}] = true
		field := model.MatchField(kind)
		scr.Matches = append(scr.Matches, &model.BlacklistMatch{Field: field, Entry: e})
		if field == model.MatchFieldEmail || field == model.MatchFieldPhone {
			scr.Blocked = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lookup: %w", err)
	}
	slices.SortFunc(scr.Matches, func(a, b *model.BlacklistMatch) int {
		if d := fieldRank(a.Field) - fieldRank(b.Field); d != 0 {
			return d
		}
		return b.Entry.CreatedAt.Compare(a.Entry.CreatedAt)
	})
	return scr, nil
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
