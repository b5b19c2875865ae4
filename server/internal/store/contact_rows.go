package store

import (
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/graph/model"
)

// ContactColumns selects a contact with its e-mails and phones from `contacts c`; ScanContact
// reads it. Every query that returns contacts uses the pair, so all return the same shape.
const ContactColumns = `c.id, c.given_name, c.family_name, c.organization,
	c.street, c.postal_code, c.city, c.country, c.created_at, c.updated_at,
	coalesce((SELECT array_agg(e.address ORDER BY e.position) FROM contact_emails e WHERE e.contact_id = c.id), '{}'),
	coalesce((SELECT array_agg(p.number ORDER BY p.position) FROM contact_phones p WHERE p.contact_id = c.id), '{}')`

// ScanContact reads one row selected with ContactColumns (plus extra trailing destinations).
func ScanContact(row pgx.Row, extra ...any) (*model.Contact, error) {
	var (
		c                                 model.Contact
		street, postalCode, city, country *string
		created, updated                  time.Time
	)
	dest := append([]any{&c.ID, &c.GivenName, &c.FamilyName, &c.Organization,
		&street, &postalCode, &city, &country, &created, &updated, &c.Emails, &c.Phones}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt = created, updated
	if street != nil {
		c.Address = &model.PostalAddress{Street: *street, PostalCode: deref(postalCode), City: deref(city), Country: deref(country)}
	}
	return &c, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
