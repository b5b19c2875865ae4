-- One index fewer to maintain per e-mail and phone (a bulk import writes a million of each):
-- the unique constraint "one contact has an address once", UNIQUE (contact_id, normalized),
-- and the lookup index on the normalised value become one unique index with the value first.
-- It enforces the same uniqueness and serves the same queries as the lookup index did:
-- equality (dedupe, screening, duplicates) and LIKE 'prefix%' (search), index-only with
-- contact_id. Reads by contact use the primary key (contact_id, position).
-- +goose Up
CREATE UNIQUE INDEX contact_emails_normalized_contact ON contact_emails (normalized text_pattern_ops, contact_id);
ALTER TABLE contact_emails DROP CONSTRAINT contact_emails_contact_id_normalized_key;
DROP INDEX contact_emails_normalized;
ALTER INDEX contact_emails_normalized_contact RENAME TO contact_emails_normalized;

CREATE UNIQUE INDEX contact_phones_number_contact ON contact_phones (number text_pattern_ops, contact_id);
ALTER TABLE contact_phones DROP CONSTRAINT contact_phones_contact_id_number_key;
DROP INDEX contact_phones_number;
ALTER INDEX contact_phones_number_contact RENAME TO contact_phones_number;

-- +goose Down
CREATE INDEX contact_phones_number_include ON contact_phones (number text_pattern_ops) INCLUDE (contact_id);
DROP INDEX contact_phones_number;
ALTER INDEX contact_phones_number_include RENAME TO contact_phones_number;
ALTER TABLE contact_phones ADD CONSTRAINT contact_phones_contact_id_number_key UNIQUE (contact_id, number);

CREATE INDEX contact_emails_normalized_include ON contact_emails (normalized text_pattern_ops) INCLUDE (contact_id);
DROP INDEX contact_emails_normalized;
ALTER INDEX contact_emails_normalized_include RENAME TO contact_emails_normalized;
ALTER TABLE contact_emails ADD CONSTRAINT contact_emails_contact_id_normalized_key UNIQUE (contact_id, normalized);
