-- The tables whose reads are index-only (recipients: list_members, consent_state and
-- contact_blocks; totalCount: contacts' primary key and blacklist_entries' active index; the
-- import's and screen's lookups: contact_emails, contact_phones, blacklist_hashes) read the
-- table itself for every page not yet marked all visible, and only VACUUM marks pages. By
-- default autovacuum vacuums a table for inserts once they reach 20 % of it, so an import of
-- 1,000,000 rows into 10,000,000 was never vacuumed for them: its pages were read from the
-- table on every recipients page (Heap Fetches) until later writes passed the mark. At 1 %,
-- autovacuum marks them within a minute or two of a large import; for an insert-only table
-- that vacuum reads only the new pages.
-- +goose Up
ALTER TABLE contacts SET (autovacuum_vacuum_insert_scale_factor = 0.01);
ALTER TABLE contact_emails SET (autovacuum_vacuum_insert_scale_factor = 0.01);
ALTER TABLE contact_phones SET (autovacuum_vacuum_insert_scale_factor = 0.01);
ALTER TABLE list_members SET (autovacuum_vacuum_insert_scale_factor = 0.01);
ALTER TABLE consent_state SET (autovacuum_vacuum_insert_scale_factor = 0.01);
ALTER TABLE contact_blocks SET (autovacuum_vacuum_insert_scale_factor = 0.01);
ALTER TABLE blacklist_entries SET (autovacuum_vacuum_insert_scale_factor = 0.01);
ALTER TABLE blacklist_hashes SET (autovacuum_vacuum_insert_scale_factor = 0.01);

-- +goose Down
ALTER TABLE contacts RESET (autovacuum_vacuum_insert_scale_factor);
ALTER TABLE contact_emails RESET (autovacuum_vacuum_insert_scale_factor);
ALTER TABLE contact_phones RESET (autovacuum_vacuum_insert_scale_factor);
ALTER TABLE list_members RESET (autovacuum_vacuum_insert_scale_factor);
ALTER TABLE consent_state RESET (autovacuum_vacuum_insert_scale_factor);
ALTER TABLE contact_blocks RESET (autovacuum_vacuum_insert_scale_factor);
ALTER TABLE blacklist_entries RESET (autovacuum_vacuum_insert_scale_factor);
ALTER TABLE blacklist_hashes RESET (autovacuum_vacuum_insert_scale_factor);
