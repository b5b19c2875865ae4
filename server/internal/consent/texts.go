package consent

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
	"github.com/vermerk/vermerk/server/internal/store"
)

// maxConsentText is the length of one consent text in characters: a privacy notice's paragraph,
// not the whole policy (link to that from the text).
const maxConsentText = 20_000

// AddConsentText adds the next version of the text a person agrees to for a purpose. Versions
// are never edited: a new wording is a new version, so each consent names what was shown.
func (s *Service) AddConsentText(ctx context.Context, purposeKey, text string) (*model.ConsentText, error) {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return nil, apperr.BadInput("text", apperr.ReasonRequired, "the consent text is empty; pass the wording the person sees")
	case utf8.RuneCountInString(text) > maxConsentText:
		return nil, apperr.BadInput("text", apperr.ReasonTooLong, "the consent text is longer than %d characters; link to the full policy instead", maxConsentText)
	}
	_, name := viewer.Actor(ctx)
	var out model.ConsentText
	err := s.db.Transact(ctx, func(tx pgx.Tx) error {
		p, err := purposeByKey(ctx, tx, "purposeKey", purposeKey)
		if err != nil {
			return err
		}
		// The purpose's row lock makes concurrent additions take turns for the next number.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM purposes WHERE id = $1 FOR UPDATE`, p.ID); err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `INSERT INTO consent_texts (purpose_id, version, text, created_by)
			SELECT $1, coalesce(max(version), 0) + 1, $2, $3 FROM consent_texts WHERE purpose_id = $1
			RETURNING version, text, created_at`, p.ID, text, name).Scan(&out.Version, &out.Text, &out.CreatedAt)
		if err != nil {
			return err
		}
		return store.Audit(ctx, tx, store.AuditRecord{Operation: "addConsentText", TargetID: fmt.Sprintf("%s v%d", p.ID, out.Version), Outcome: "ok"})
	})
	if err != nil {
		return nil, fmt.Errorf("consent.AddConsentText(%s): %w", apperr.Clip(purposeKey), err)
	}
	return &out, nil
}

// ConsentTextsOfPurposes returns each purpose's texts, oldest first, for the per-request loader.
func (s *Service) ConsentTextsOfPurposes(ctx context.Context, purposeIDs []string) ([][]*model.ConsentText, []error) {
	out := make([][]*model.ConsentText, len(purposeIDs))
	errs := make([]error, len(purposeIDs))
	rows, err := s.db.Pool.Query(ctx, `SELECT purpose_id, version, text, created_at FROM consent_texts
		WHERE purpose_id = ANY($1::uuid[]) ORDER BY purpose_id, version`, purposeIDs)
	byPurpose := map[string][]*model.ConsentText{}
	if err == nil {
		err = scanEach(rows, func(r pgx.Row) error {
			var pid string
			t := &model.ConsentText{}
			if err := r.Scan(&pid, &t.Version, &t.Text, &t.CreatedAt); err != nil {
				return err
			}
			byPurpose[pid] = append(byPurpose[pid], t)
			return nil
		})
	}
	for i, id := range purposeIDs {
		if err != nil {
			errs[i] = fmt.Errorf("consent.ConsentTextsOfPurposes: %w", err)
			continue
		}
		if out[i] = byPurpose[id]; out[i] == nil {
			out[i] = []*model.ConsentText{}
		}
	}
	return out, errs
}

// CheckTextVersion makes sure version v of the purpose's text exists; field names the input.
func CheckTextVersion(ctx context.Context, q store.Querier, field, purposeID string, v int) error {
	var ok bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM consent_texts WHERE purpose_id = $1 AND version = $2)`, purposeID, v).Scan(&ok); err != nil {
		return fmt.Errorf("consent text version: %w", err)
	}
	if !ok {
		return apperr.BadInput(field, apperr.ReasonConsentTextUnknown, "the purpose has no consent text version %d; see Purpose.consentTexts, or add one with addConsentText", v)
	}
	return nil
}

// LatestTextVersion is the newest version of the purpose's text, nil when it has none.
func LatestTextVersion(ctx context.Context, q store.Querier, purposeID string) (*int, error) {
	var v *int
	err := q.QueryRow(ctx, `SELECT max(version) FROM consent_texts WHERE purpose_id = $1`, purposeID).Scan(&v)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("latest consent text: %w", err)
	}
	return v, nil
}
