package contacts

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

func addressColumns(f fields) (street, postalCode, city, country *string) {
	if a := f.Address; a != nil {
		return &a.Street, &a.PostalCode, &a.City, &a.Country
	}
	return nil, nil, nil, nil
}

// organization is the organisation column: NULL when there is none.
func organization(f fields) *string {
	if f.Organization == "" {
		return nil
	}
	return &f.Organization
}

func insert(ctx context.Context, tx pgx.Tx, sc Screener, f fields) (string, error) {
	street, postalCode, city, country := addressColumns(f)
	var id string
	err := tx.QueryRow(ctx, `INSERT INTO contacts (given_name, family_name, organization, street, postal_code, city, country, sort_key, search_text)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		f.GivenName, f.FamilyName, organization(f), street, postalCode, city, country, store.SortKey(f.FamilyName, f.GivenName, f.Organization), store.SearchText(f)).Scan(&id)
	if err != nil {
		return "", fmt.Errorf("insert contact: %w", err)
	}
	return id, writeIdentifiers(ctx, tx, sc, id, f)
}

func update(ctx context.Context, tx pgx.Tx, sc Screener, id string, f fields) error {
	street, postalCode, city, country := addressColumns(f)
	_, err := tx.Exec(ctx, `UPDATE contacts SET given_name = $2, family_name = $3, organization = $4, street = $5,
		postal_code = $6, city = $7, country = $8, sort_key = $9, search_text = $10, updated_at = now() WHERE id = $1`,
		id, f.GivenName, f.FamilyName, organization(f), street, postalCode, city, country, store.SortKey(f.FamilyName, f.GivenName, f.Organization), store.SearchText(f))
	if err != nil {
		return fmt.Errorf("update contact: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM contact_emails WHERE contact_id = $1`, id); err != nil {
		return fmt.Errorf("update contact e-mails: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM contact_phones WHERE contact_id = $1`, id); err != nil {
		return fmt.Errorf("update contact phones: %w", err)
	}
	return writeIdentifiers(ctx, tx, sc, id, f)
}

// writeIdentifiers writes the e-mails and phones of contact id with their keyed hashes (a row
// without one would leave the contact blocked until HashContacts, and make the database
// re-test it twice: migration 00025).
func writeIdentifiers(ctx context.Context, tx pgx.Tx, sc Screener, id string, f fields) error {
	for i, e := range f.Emails {
		keyID, hash, err := sc.IdentifierHash(screening.KindEmail, e.Normalized)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO contact_emails (contact_id, position, address, normalized, hash, key_id) VALUES ($1, $2, $3, $4, $5, $6)`,
			id, i, e.Address, e.Normalized, hash, keyID); err != nil {
			return fmt.Errorf("insert e-mail: %w", err)
		}
	}
	for i, p := range f.Phones {
		keyID, hash, err := sc.IdentifierHash(screening.KindPhone, p)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO contact_phones (contact_id, position, number, hash, key_id) VALUES ($1, $2, $3, $4, $5)`,
			id, i, p, hash, keyID); err != nil {
			return fmt.Errorf("insert phone: %w", err)
		}
	}
	return nil
}
