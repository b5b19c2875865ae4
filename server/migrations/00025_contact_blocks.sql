-- contact_blocks: the live contacts that recipients leaves out (DESIGN rule 8), kept exact by
-- the database itself, so a page of recipients tests each candidate with one probe of this
-- small table's primary key instead of probing blacklist_hashes with every e-mail and phone
-- of every candidate.
--
-- A contact is blocked when one of its e-mails or phones has a keyed hash that an active
-- blacklist entry holds (blacklist_hashes holds active entries' hashes only), or has no hash
-- yet (fail closed until the server hashes it). vermerk_contact_blocked is that rule, the only
-- copy of it; everything below keeps contact_blocks equal to it:
--   * e-mails and phones added, changed or deleted, by any statement (INSERT, COPY, UPDATE,
--     DELETE, the cascade of a deleted contact): statement triggers on both tables, enabled
--     ALWAYS so that the import's replica-mode COPY fires them too;
--   * blacklist hashes deleted (an entry removed or ended by a re-entry): a statement trigger
--     re-tests the blocked contacts holding them;
--   * blacklist hashes added: the blacklist package (blacklist.BlockHolders) re-tests the
--     holders of the identifiers it adds in the same transaction, found through the
--     identifier indexes — a trigger cannot, as the entry holds no identifier in clear and
--     the identifier tables have no index on the hash (one more index for every import row).
-- Concurrency: the triggers take no lock of their own (they would change the lock order of the
-- import's batches). Every transaction that writes identifiers holds the shared side of the
-- blacklist lock (store.LockBlacklistShared) before it commits — screened writers, merges,
-- decisions on held rows, the hashing sweep, and the import (which writes a batch again under
-- the lock when the blacklist changed meanwhile) — and every transaction that adds an entry
-- holds the exclusive side before it calls BlockHolders, so an identifier written while an
-- entry is added is seen by one side or the other.
-- +goose Up
CREATE TABLE contact_blocks (
    contact_id uuid PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE
);

-- +goose StatementBegin
CREATE FUNCTION vermerk_contact_blocked(c uuid) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT FROM contact_emails e WHERE e.contact_id = c
                     AND (e.hash IS NULL OR EXISTS (SELECT FROM blacklist_hashes h WHERE h.hash = e.hash)))
        OR EXISTS (SELECT FROM contact_phones p WHERE p.contact_id = c
                     AND (p.hash IS NULL OR EXISTS (SELECT FROM blacklist_hashes h WHERE h.hash = p.hash)))
$$;
-- +goose StatementEnd

-- vermerk_refresh_blocks re-tests the contacts ids: blocked ones in, the others out.
-- +goose StatementBegin
CREATE FUNCTION vermerk_refresh_blocks(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    DELETE FROM contact_blocks b WHERE b.contact_id = ANY (ids) AND NOT vermerk_contact_blocked(b.contact_id);
    INSERT INTO contact_blocks (contact_id)
        SELECT c.id FROM contacts c WHERE c.id = ANY (ids) AND vermerk_contact_blocked(c.id)
        ON CONFLICT DO NOTHING;
END
$$;
-- +goose StatementEnd

-- New identifiers can only block: the rows added are tested against blacklist_hashes' primary
-- key one by one (the planner knows nothing of a transition table's size; a hash join would
-- read the whole blacklist for a handful of rows).
-- +goose StatementBegin
CREATE FUNCTION vermerk_identifiers_added() RETURNS trigger LANGUAGE plpgsql
    SET enable_hashjoin = off SET enable_mergejoin = off AS $$
BEGIN
    INSERT INTO contact_blocks (contact_id)
        SELECT DISTINCT a.contact_id FROM added a
        WHERE a.hash IS NULL OR EXISTS (SELECT FROM blacklist_hashes h WHERE h.hash = a.hash)
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION vermerk_identifiers_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM vermerk_refresh_blocks(ARRAY(SELECT contact_id FROM before UNION SELECT contact_id FROM after));
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION vermerk_identifiers_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM vermerk_refresh_blocks(ARRAY(SELECT DISTINCT contact_id FROM before));
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- Only blocked contacts can lose their block when hashes go: those of contact_blocks holding
-- one of the removed hashes are re-tested.
-- +goose StatementBegin
CREATE FUNCTION vermerk_blacklist_hashes_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM vermerk_refresh_blocks(ARRAY(
        SELECT e.contact_id FROM contact_blocks b JOIN contact_emails e ON e.contact_id = b.contact_id
            WHERE e.hash IN (SELECT hash FROM before)
        UNION
        SELECT p.contact_id FROM contact_blocks b JOIN contact_phones p ON p.contact_id = b.contact_id
            WHERE p.hash IN (SELECT hash FROM before)));
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER contact_emails_added AFTER INSERT ON contact_emails
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION vermerk_identifiers_added();
CREATE TRIGGER contact_emails_changed AFTER UPDATE ON contact_emails
    REFERENCING OLD TABLE AS before NEW TABLE AS after FOR EACH STATEMENT EXECUTE FUNCTION vermerk_identifiers_changed();
CREATE TRIGGER contact_emails_deleted AFTER DELETE ON contact_emails
    REFERENCING OLD TABLE AS before FOR EACH STATEMENT EXECUTE FUNCTION vermerk_identifiers_deleted();
CREATE TRIGGER contact_phones_added AFTER INSERT ON contact_phones
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION vermerk_identifiers_added();
CREATE TRIGGER contact_phones_changed AFTER UPDATE ON contact_phones
    REFERENCING OLD TABLE AS before NEW TABLE AS after FOR EACH STATEMENT EXECUTE FUNCTION vermerk_identifiers_changed();
CREATE TRIGGER contact_phones_deleted AFTER DELETE ON contact_phones
    REFERENCING OLD TABLE AS before FOR EACH STATEMENT EXECUTE FUNCTION vermerk_identifiers_deleted();
CREATE TRIGGER blacklist_hashes_deleted AFTER DELETE ON blacklist_hashes
    REFERENCING OLD TABLE AS before FOR EACH STATEMENT EXECUTE FUNCTION vermerk_blacklist_hashes_deleted();

-- the import copies in replica mode (foreign keys unchecked): these must fire there too
ALTER TABLE contact_emails ENABLE ALWAYS TRIGGER contact_emails_added;
ALTER TABLE contact_emails ENABLE ALWAYS TRIGGER contact_emails_changed;
ALTER TABLE contact_emails ENABLE ALWAYS TRIGGER contact_emails_deleted;
ALTER TABLE contact_phones ENABLE ALWAYS TRIGGER contact_phones_added;
ALTER TABLE contact_phones ENABLE ALWAYS TRIGGER contact_phones_changed;
ALTER TABLE contact_phones ENABLE ALWAYS TRIGGER contact_phones_deleted;
ALTER TABLE blacklist_hashes ENABLE ALWAYS TRIGGER blacklist_hashes_deleted;

-- today's blocked contacts
INSERT INTO contact_blocks (contact_id) SELECT c.id FROM contacts c WHERE vermerk_contact_blocked(c.id);

-- +goose Down
DROP TRIGGER blacklist_hashes_deleted ON blacklist_hashes;
DROP TRIGGER contact_phones_deleted ON contact_phones;
DROP TRIGGER contact_phones_changed ON contact_phones;
DROP TRIGGER contact_phones_added ON contact_phones;
DROP TRIGGER contact_emails_deleted ON contact_emails;
DROP TRIGGER contact_emails_changed ON contact_emails;
DROP TRIGGER contact_emails_added ON contact_emails;
DROP FUNCTION vermerk_blacklist_hashes_deleted();
DROP FUNCTION vermerk_identifiers_deleted();
DROP FUNCTION vermerk_identifiers_changed();
DROP FUNCTION vermerk_identifiers_added();
DROP FUNCTION vermerk_refresh_blocks(uuid[]);
DROP FUNCTION vermerk_contact_blocked(uuid);
DROP TABLE contact_blocks;
