-- Cheaper search indexing (bulk imports write a million contacts): the trigram index covers
-- only the short text of names, organisation and city; e-mails and phones are found by
-- prefix on their own btree indexes, which dedupe and screening use anyway.
-- +goose Up

-- contacts.search_text: lower-cased given name, family name, organisation and city, joined by
-- spaces (contacts.searchText and importer.searchText write it). Rows written before this
-- migration also held e-mails and phones, which made every insert touch about three times
-- as many trigrams.
DROP INDEX contacts_search;
UPDATE contacts SET search_text = lower(concat_ws(' ', given_name, family_name, organization, city));
UPDATE import_held SET search_text = lower(concat_ws(' ', given_name, family_name, organization, city));
CREATE INDEX contacts_search ON contacts USING gin (search_text gin_trgm_ops);

-- Prefix search (LIKE 'term%') on the normalised e-mail and the E.164 number needs the
-- pattern operator class unless the database collation is C; equality keeps using them.
DROP INDEX contact_emails_normalized;
CREATE INDEX contact_emails_normalized ON contact_emails (normalized text_pattern_ops) INCLUDE (contact_id);
DROP INDEX contact_phones_number;
CREATE INDEX contact_phones_number ON contact_phones (number text_pattern_ops) INCLUDE (contact_id);

-- +goose Down
DROP INDEX contact_phones_number;
CREATE INDEX contact_phones_number ON contact_phones (number) INCLUDE (contact_id);
DROP INDEX contact_emails_normalized;
CREATE INDEX contact_emails_normalized ON contact_emails (normalized) INCLUDE (contact_id);
DROP INDEX contacts_search;
UPDATE contacts c SET search_text = lower(concat_ws(' ', c.given_name, c.family_name, c.organization, c.city,
    (SELECT string_agg(e.address, ' ' ORDER BY e.position) FROM contact_emails e WHERE e.contact_id = c.id),
    (SELECT string_agg(p.number || CASE WHEN p.number LIKE '+49%' THEN ' 0' || substr(p.number, 4) ELSE '' END, ' ' ORDER BY p.position)
       FROM contact_phones p WHERE p.contact_id = c.id)));
CREATE INDEX contacts_search ON contacts USING gin (search_text gin_trgm_ops);
