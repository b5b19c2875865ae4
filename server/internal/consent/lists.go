package consent

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// list is a distribution list with the key of its purpose (for purpose binding).
type list struct {
	model.DistributionList
	PurposeKey string
}

const listColumns = `l.id, l.key, l.name, l.purpose_id, p.key`
const listFrom = ` FROM distribution_lists l JOIN purposes p ON p.id = l.purpose_id`

func scanList(row pgx.Row) (*list, error) {
	var l list
	if err := row.Scan(&l.ID, &l.Key, &l.Name, &l.PurposeID, &l.PurposeKey); err != nil {
		return nil, err
	}
	return &l, nil
}

func collectLists(rows pgx.Rows) ([]*list, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*list, error) { return scanList(r) })
}

// listByKey finds a list; an unknown key is BAD_USER_INPUT at field.
func listByKey(ctx context.Context, q store.Querier, field, key string) (*list, error) {
	l, err := scanList(q.QueryRow(ctx, `SELECT `+listColumns+listFrom+` WHERE l.key = $1`, key))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, apperr.BadInput(field, apperr.ReasonListUnknown, "no distribution list with key %q; see the lists query for the existing ones", apperr.Clip(key))
	}
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", key, err)
	}
	return l, nil
}

// ListByKey returns a distribution list or NOT_FOUND.
func (s *Service) ListByKey(ctx context.Context, key string) (*model.DistributionList, error) {
	l, err := scanList(s.db.Pool.QueryRow(ctx, `SELECT `+listColumns+listFrom+` WHERE l.key = $1`, key))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, apperr.NotFoundf("no distribution list with key %q", apperr.Clip(key))
	}
	if err != nil {
		return nil, fmt.Errorf("consent.ListByKey(%s): %w", key, err)
	}
	return &l.DistributionList, nil
}

// ListByID returns a distribution list or NOT_FOUND.
func (s *Service) ListByID(ctx context.Context, id string) (*model.DistributionList, error) {
	if err := store.CheckID("listId", id); err != nil {
		return nil, err
	}
	l, err := scanList(s.db.Pool.QueryRow(ctx, `SELECT `+listColumns+listFrom+` WHERE l.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, apperr.NotFoundf("no distribution list with id %s", id)
	}
	if err != nil {
		return nil, fmt.Errorf("consent.ListByID(%s): %w", id, err)
	}
	return &l.DistributionList, nil
}

// Lists lists the distribution lists by key; an integrator sees only those of its purposes.
func (s *Service) Lists(ctx context.Context) ([]*model.DistributionList, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT `+listColumns+listFrom+` WHERE $1::text[] IS NULL OR p.key = ANY($1) ORDER BY l.key`, boundKeys(ctx))
	if err != nil {
		return nil, fmt.Errorf("consent.Lists: %w", err)
	}
	ls, err := collectLists(rows)
	if err != nil {
		return nil, fmt.Errorf("consent.Lists: %w", err)
	}
	out := make([]*model.DistributionList, len(ls))
	for i, l := range ls {
		out[i] = &l.DistributionList
	}
	return out, nil
}

// boundKeys is nil for staff and admins, the token's purpose keys (never nil) for integrators.
func boundKeys(ctx context.Context) []string {
	v, bound := isIntegrator(ctx)
	if !bound {
		return nil
	}
	if v.PurposeKeys == nil {
		return []string{}
	}
	return v.PurposeKeys
}

// CreateList adds a distribution list bound to an existing purpose.
func (s *Service) CreateList(ctx context.Context, in model.ListInput) (*model.DistributionList, error) {
	var errs apperr.List
	if err := checkKey("input.key", in.Key); err != nil {
		errs = append(errs, err.(*apperr.Error))
	}
	name := text(&errs, "input.name", "name", in.Name, maxName, false)
	if in.PurposeKey == "" {
		errs = append(errs, apperr.BadInput("input.purposeKey", apperr.ReasonRequired, "a list needs the key of its purpose"))
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	var out *list
	err := s.db.Transact(ctx, func(tx pgx.Tx) error {
		p, err := purposeByKey(ctx, tx, "input.purposeKey", in.PurposeKey)
		if err != nil {
			return err
		}
		var id string
		err = tx.QueryRow(ctx, `INSERT INTO distribution_lists (key, name, purpose_id) VALUES ($1, $2, $3) RETURNING id`,
			in.Key, name, p.ID).Scan(&id)
		if store.IsUniqueViolation(err, "distribution_lists_key_unique") {
			return apperr.BadInput("input.key", apperr.ReasonKeyTaken, "a distribution list with key %q exists; choose another key", in.Key)
		}
		if err != nil {
			return err
		}
		out = &list{DistributionList: model.DistributionList{ID: id, Key: in.Key, Name: name, PurposeID: p.ID}, PurposeKey: p.Key}
		return store.Audit(ctx, tx, store.AuditRecord{Operation: "createList", TargetID: id, Outcome: "ok"})
	})
	if err != nil {
		return nil, fmt.Errorf("consent.CreateList(%s): %w", in.Key, err)
	}
	return &out.DistributionList, nil
}

// AddToList makes the contact a member of the list. Membership alone sends nothing: only
// members with a granted consent for the list's purpose are recipients. A person who left the
// list through its unsubscribe link (list_departures, on any of her records) and has not
// joined it again is put back only with a reason (LIST_LEFT without one): her "no" to this
// list must not be undone by someone who did not know of it, and her next "yes" to the
// purpose (a sign-up for another of its lists) would make her a recipient of this one too.
func (s *Service) AddToList(ctx context.Context, contactID, listKey string, reason *string) (*model.Contact, error) {
	why := ""
	if reason != nil {
		why = strings.TrimSpace(*reason)
	}
	return s.changeMembership(ctx, "addToList", contactID, listKey,
		`INSERT INTO list_members (list_id, contact_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		func(ctx context.Context, tx pgx.Tx, l *list) (string, string, error) {
			note, err := putBackWhoLeft(ctx, tx, contactID, l, why)
			return note, why, err
		})
}

// putBackWhoLeft is addToList's check of the person's departure from l: "" when she never
// left it (or joined it again since: a membership of one of her records began after her last
// departure), else the audit's note for putting her back with why, or LIST_LEFT without why.
// The reason outlives her in the audit trail, so it must not quote her.
func putBackWhoLeft(ctx context.Context, tx pgx.Tx, contactID string, l *list, why string) (string, error) {
	people, err := store.PersonContacts(ctx, tx, contactID)
	if err != nil {
		return "", err
	}
	ids := make([]string, len(people))
	for i, c := range people {
		ids[i] = c.ID
	}
	var leftAt *time.Time
	if err := tx.QueryRow(ctx, `SELECT max(d.left_at) FROM list_departures d
		WHERE d.list_id = $1 AND d.contact_id = ANY($2::uuid[])
		  AND NOT EXISTS (SELECT 1 FROM list_members m WHERE m.list_id = d.list_id AND m.contact_id = ANY($2::uuid[]) AND m.added_at > d.left_at)`,
		l.ID, ids).Scan(&leftAt); err != nil {
		return "", fmt.Errorf("departures from the list: %w", err)
	}
	if leftAt == nil {
		return "", nil
	}
	if why == "" {
		return "", apperr.BadInput("contactId", apperr.ReasonListLeft,
			"the person left list %q through its unsubscribe link on %s and has not joined it again; put her back only when she asked to be, and say so in reason",
			l.Key, leftAt.UTC().Format("2006-01-02"))
	}
	if err := screening.RefuseMentions("reason", why, screening.ContactCandidates(people)...); err != nil {
		return "", err
	}
	return fmt.Sprintf("ok: put back on a list the person left through its unsubscribe link on %s", leftAt.UTC().Format("2006-01-02")), nil
}

// RemoveFromList ends the membership; removing a non-member changes nothing.
func (s *Service) RemoveFromList(ctx context.Context, contactID, listKey string) (*model.Contact, error) {
	return s.changeMembership(ctx, "removeFromList", contactID, listKey,
		`DELETE FROM list_members WHERE list_id = $1 AND contact_id = $2`, nil)
}

// changeMembership runs stmt on the list's membership of the contact, locked; check, when
// given, decides first whether it may (an error) and what the audit says of it (a note, and
// the reason it was given).
func (s *Service) changeMembership(ctx context.Context, op, contactID, listKey, stmt string,
	check func(context.Context, pgx.Tx, *list) (note, reason string, err error)) (*model.Contact, error) {
	if err := store.CheckID("contactId", contactID); err != nil {
		return nil, err
	}
	var c *model.Contact
	err := s.db.Transact(ctx, func(tx pgx.Tx) error {
		l, err := listByKey(ctx, tx, "listKey", listKey)
		if err != nil {
			return err
		}
		if err := mayUse(ctx, l.PurposeKey); err != nil {
			return err
		}
		if err := lockContact(ctx, tx, contactID); err != nil {
			return err
		}
		note, why := "", ""
		if check != nil {
			if note, why, err = check(ctx, tx, l); err != nil {
				return err
			}
		}
		tag, err := tx.Exec(ctx, stmt, l.ID, contactID)
		if err != nil {
			return err
		}
		outcome, reason := "ok", ""
		switch {
		case tag.RowsAffected() == 0:
			outcome = "unchanged"
		case note != "":
			outcome, reason = note, why
		}
		if err := store.Audit(ctx, tx, store.AuditRecord{Operation: op, TargetID: l.ID, ContactID: contactID, Outcome: outcome, Reason: reason}); err != nil {
			return err
		}
		c, err = getContact(ctx, tx, contactID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("consent.%s(%s): %w", op, contactID, err)
	}
	return c, nil
}

// ListsOfContacts returns the lists of each contact (by key), for the per-request loader; an
// integrator sees only lists of its purposes.
func (s *Service) ListsOfContacts(ctx context.Context, contactIDs []string) ([][]*model.DistributionList, []error) {
	out := make([][]*model.DistributionList, len(contactIDs))
	errs := make([]error, len(contactIDs))
	rows, err := s.db.Pool.Query(ctx, `SELECT m.contact_id, `+listColumns+`
		FROM list_members m JOIN distribution_lists l ON l.id = m.list_id JOIN purposes p ON p.id = l.purpose_id
		WHERE m.contact_id = ANY($1::uuid[]) AND ($2::text[] IS NULL OR p.key = ANY($2))
		ORDER BY l.key`, contactIDs, boundKeys(ctx))
	if err == nil {
		byContact := map[string][]*model.DistributionList{}
		err = scanEach(rows, func(r pgx.Row) error {
			var l list
			var cid string
			if err := r.Scan(&cid, &l.ID, &l.Key, &l.Name, &l.PurposeID, &l.PurposeKey); err != nil {
				return err
			}
			byContact[cid] = append(byContact[cid], &l.DistributionList)
			return nil
		})
		for i, id := range contactIDs {
			out[i] = byContact[id]
			if out[i] == nil {
				out[i] = []*model.DistributionList{}
			}
		}
	}
	if err != nil {
		for i := range errs {
			errs[i] = fmt.Errorf("consent.ListsOfContacts: %w", err)
		}
	}
	return out, errs
}

// scanEach calls fn for every row and closes rows.
func scanEach(rows pgx.Rows, fn func(pgx.Row) error) error {
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
