package consent

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/store"
)

const purposeColumns = `p.id, p.key, p.name, p.description, p.legal_basis, p.retention_months`

func scanPurpose(row pgx.Row) (*model.Purpose, error) {
	var p model.Purpose
	var basis string
	if err := row.Scan(&p.ID, &p.Key, &p.Name, &p.Description, &basis, &p.RetentionMonths); err != nil {
		return nil, err
	}
	p.LegalBasis = model.LegalBasis(basis)
	return &p, nil
}

// Purposes lists the purposes by key; an integrator sees only those of its token.
func (s *Service) Purposes(ctx context.Context) ([]*model.Purpose, error) {
	var keys []string
	v, bound := isIntegrator(ctx)
	if bound {
		keys = v.PurposeKeys
		if keys == nil {
			keys = []string{}
		}
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT `+purposeColumns+` FROM purposes p
		WHERE $1::text[] IS NULL OR p.key = ANY($1) ORDER BY p.key`, keys)
	if err != nil {
		return nil, fmt.Errorf("consent.Purposes: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*model.Purpose, error) { return scanPurpose(r) })
	if err != nil {
		return nil, fmt.Errorf("consent.Purposes: %w", err)
	}
	return out, nil
}

// PurposesByIDs loads purposes for the per-request loader, one result per id. An integrator
// gets FORBIDDEN for a purpose outside its token.
func (s *Service) PurposesByIDs(ctx context.Context, ids []string) ([]*model.Purpose, []error) {
	out := make([]*model.Purpose, len(ids))
	errs := make([]error, len(ids))
	rows, err := s.db.Pool.Query(ctx, `SELECT `+purposeColumns+` FROM purposes p WHERE p.id = ANY($1::uuid[])`, ids)
	var found []*model.Purpose
	if err == nil {
		found, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (*model.Purpose, error) { return scanPurpose(r) })
	}
	if err != nil {
		for i := range errs {
			errs[i] = fmt.Errorf("consent.PurposesByIDs: %w", err)
		}
		return out, errs
	}
	byID := make(map[string]*model.Purpose, len(found))
	for _, p := range found {
		byID[p.ID] = p
	}
	for i, id := range ids {
		p, ok := byID[id]
		switch {
		case !ok:
			errs[i] = apperr.NotFoundf("no purpose with id %s", id)
		default:
			if errs[i] = mayUse(ctx, p.Key); errs[i] == nil {
				out[i] = p
			}
		}
	}
	return out, errs
}

// maxRetentionMonths bounds PurposeInput.retentionMonths (a hundred years).
const maxRetentionMonths = 1200

// CreatePurpose adds a purpose; its key is what lists, consents and tokens refer to.
func (s *Service) CreatePurpose(ctx context.Context, in model.PurposeInput) (*model.Purpose, error) {
	var errs apperr.List
	if err := checkKey("input.key", in.Key); err != nil {
		errs = append(errs, err.(*apperr.Error))
	}
	name := text(&errs, "input.name", "name", in.Name, maxName, false)
	var desc *string
	if in.Description != nil {
		if d := text(&errs, "input.description", "description", *in.Description, maxEvidence, true); d != "" {
			desc = &d
		}
	}
	if !in.LegalBasis.IsValid() {
		errs = append(errs, apperr.BadInput("input.legalBasis", apperr.ReasonLegalBasisUnknown, "legal basis %q is not one of CONSENT, CONTRACT, LEGITIMATE_INTEREST", in.LegalBasis))
	}
	if m := in.RetentionMonths; m != nil && (*m < 0 || *m > maxRetentionMonths) {
		errs = append(errs, apperr.BadInput("input.retentionMonths", apperr.ReasonRetentionOutOfRange,
			"retentionMonths must be between 0 and %d (or left out for no limit), got %d", maxRetentionMonths, *m))
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	var p *model.Purpose
	err := s.db.Transact(ctx, func(tx pgx.Tx) error {
		var err error
		p, err = scanPurpose(tx.QueryRow(ctx, `INSERT INTO purposes AS p (key, name, description, legal_basis, retention_months)
			VALUES ($1, $2, $3, $4, $5) RETURNING `+purposeColumns, in.Key, name, desc, string(in.LegalBasis), in.RetentionMonths))
		if store.IsUniqueViolation(err, "purposes_key_unique") {
			return apperr.BadInput("input.key", apperr.ReasonKeyTaken, "a purpose with key %q exists; choose another key", in.Key)
		}
		if err != nil {
			return err
		}
		return store.Audit(ctx, tx, store.AuditRecord{Operation: "createPurpose", TargetID: p.ID, Outcome: "ok"})
	})
	if err != nil {
		return nil, fmt.Errorf("consent.CreatePurpose(%s): %w", in.Key, err)
	}
	return p, nil
}

// purposeByKey finds a purpose; an unknown key is BAD_USER_INPUT at field.
func purposeByKey(ctx context.Context, q store.Querier, field, key string) (*model.Purpose, error) {
	p, err := scanPurpose(q.QueryRow(ctx, `SELECT `+purposeColumns+` FROM purposes p WHERE p.key = $1`, key))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, apperr.BadInput(field, apperr.ReasonPurposeUnknown, "no purpose with key %q; see the purposes query for the existing ones", apperr.Clip(key))
	}
	if err != nil {
		return nil, fmt.Errorf("purpose %s: %w", key, err)
	}
	return p, nil
}
