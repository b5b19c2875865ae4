package requests

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/store"
)

// PersonRecords lists the live records of the person r is about (store.SamePerson, not
// through a record in keep), the named record first, each with the identifiers it shares
// with another of them: what staff check before a RECTIFICATION request is completed. Nil
// when r names no contact or its contact is gone.
func (s *Service) PersonRecords(ctx context.Context, r *model.DataSubjectRequest, keep []string) ([]*model.PersonRecord, error) {
	if r.ContactID == nil {
		return nil, nil
	}
	if err := store.CheckIDs("keep", keep); err != nil {
		return nil, err
	}
	named := *r.ContactID
	ids, _, err := store.SamePerson(ctx, s.db.Pool, named, keep)
	if err != nil {
		return nil, fmt.Errorf("requests.PersonRecords(%s): %w", r.ID, err)
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT `+store.ContactColumns+` FROM contacts c
		WHERE c.id = ANY($1::uuid[]) ORDER BY c.id = $2 DESC, c.created_at, c.id`, ids, named)
	if err != nil {
		return nil, fmt.Errorf("requests.PersonRecords(%s): %w", r.ID, err)
	}
	contacts, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*model.Contact, error) { return store.ScanContact(row) })
	if err != nil {
		return nil, fmt.Errorf("requests.PersonRecords(%s): %w", r.ID, err)
	}
	if len(contacts) == 0 || contacts[0].ID != named {
		return nil, nil // erased or deleted since the request was filed
	}
	links, err := sharedIdentifiers(ctx, s.db.Pool, ids)
	if err != nil {
		return nil, fmt.Errorf("requests.PersonRecords(%s): %w", r.ID, err)
	}
	out := make([]*model.PersonRecord, len(contacts))
	for i, c := range contacts {
		l := links[c.ID]
		out[i] = &model.PersonRecord{Contact: c, Named: c.ID == named, LinkedBy: l.by, SharedIdentifiers: l.values}
		if out[i].LinkedBy == nil {
			out[i].LinkedBy = []model.MatchField{}
		}
		if out[i].SharedIdentifiers == nil {
			out[i].SharedIdentifiers = []string{}
		}
	}
	return out, nil
}

type link struct {
	by     []model.MatchField
	values []string
}

// sharedIdentifiers finds, per record of ids, its e-mails and phones (as the record holds
// them) that another record of ids holds too, compared normalised.
func sharedIdentifiers(ctx context.Context, q store.Querier, ids []string) (map[string]link, error) {
	rows, err := q.Query(ctx, `
		SELECT e.contact_id::text, 'EMAIL', e.address, e.position FROM contact_emails e
		WHERE e.contact_id = ANY($1::uuid[]) AND EXISTS (SELECT 1 FROM contact_emails o
			WHERE o.normalized = e.normalized AND o.contact_id = ANY($1::uuid[]) AND o.contact_id <> e.contact_id)
		UNION ALL
		SELECT p.contact_id::text, 'PHONE', p.number, p.position FROM contact_phones p
		WHERE p.contact_id = ANY($1::uuid[]) AND EXISTS (SELECT 1 FROM contact_phones o
			WHERE o.number = p.number AND o.contact_id = ANY($1::uuid[]) AND o.contact_id <> p.contact_id)
		ORDER BY 1, 2, 4`, ids)
	if err != nil {
		return nil, fmt.Errorf("shared identifiers: %w", err)
	}
	defer rows.Close()
	out := map[string]link{}
	for rows.Next() {
		var (
			id, field, value string
			position         int
		)
		if err := rows.Scan(&id, &field, &value, &position); err != nil {
			return nil, fmt.Errorf("shared identifiers: %w", err)
		}
		l := out[id]
		if f := model.MatchField(field); !slices.Contains(l.by, f) {
			l.by = append(l.by, f)
		}
		l.values = append(l.values, value)
		out[id] = l
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("shared identifiers: %w", err)
	}
	return out, nil
}

// checkRectified is what completing a RECTIFICATION request asks of checked: the person is
// rectified on every record, so each record of the person but the named one (which counts as
// checked) must be named, and nothing else may be. It returns what the audit row adds: the
// records checked and those kept as someone else. Run in the closing transaction, so a
// record entered meanwhile is not missed.
func checkRectified(ctx context.Context, tx pgx.Tx, contactID string, keep, checked []string) (string, error) {
	ids, kept, err := store.SamePerson(ctx, tx, contactID, keep)
	if err != nil {
		return "", err
	}
	for i, c := range checked {
		if !slices.Contains(ids, c) {
			return "", apperr.BadInput(fmt.Sprintf("checked[%d]", i), apperr.ReasonNotThePersonsRecord,
				"record %s is not one of the person's records (it shares no e-mail or phone with them, or only through a record in keep); reload the person's records", c)
		}
	}
	var missing []string
	for _, id := range ids[1:] {
		if !slices.Contains(checked, id) {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return "", apperr.BadInput("checked", apperr.ReasonRecordsNotChecked,
			"%d other record(s) of the person are not named in checked (%s): correct or check each and name it in checked, or name a record that is someone else in keep",
			len(missing), strings.Join(missing, ", "))
	}
	did := "; person rectified, records checked: " + strings.Join(ids, ", ")
	if len(kept) > 0 {
		did += "; kept as someone else: " + strings.Join(kept, ", ")
	}
	return did, nil
}
