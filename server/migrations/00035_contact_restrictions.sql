-- An objection (Art. 21) or restriction (Art. 18) blocks the records of the person it was
-- said for, not only their e-mails and phones: a record with no e-mail or phone (a postal
-- address only) could not be blocked at all, so completing such a request failed, and the
-- person stayed on postal mailing lists. contact_restrictions names the records a MANUAL
-- blacklist entry restricts (blacklist.BlockPerson); vermerk_contact_blocked, the one rule of
-- what recipients leaves out, now also holds a record restricted by an active entry. The rows
-- go when the entry ends (removed, or ended by the person's own re-entry), and with the record.
-- +goose Up
CREATE TABLE contact_restrictions (
    entry_id   uuid NOT NULL REFERENCES blacklist_entries (id) ON DELETE CASCADE,
    contact_id uuid NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    PRIMARY KEY (entry_id, contact_id)
);
CREATE INDEX contact_restrictions_contact ON contact_restrictions (contact_id);

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION vermerk_contact_blocked(c uuid) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (SELECT FROM contact_emails e WHERE e.contact_id = c
                     AND (e.hash IS NULL OR EXISTS (SELECT FROM blacklist_hashes h WHERE h.hash = e.hash)))
        OR EXISTS (SELECT FROM contact_phones p WHERE p.contact_id = c
                     AND (p.hash IS NULL OR EXISTS (SELECT FROM blacklist_hashes h WHERE h.hash = p.hash)))
        OR EXISTS (SELECT FROM contact_restrictions r WHERE r.contact_id = c);
END
$$;
-- +goose StatementEnd

-- restrictions added or dropped: their records are re-tested
-- +goose StatementBegin
CREATE FUNCTION vermerk_restrictions_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM vermerk_refresh_blocks(ARRAY(SELECT DISTINCT contact_id FROM added));
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION vermerk_restrictions_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM vermerk_refresh_blocks(ARRAY(SELECT DISTINCT contact_id FROM before));
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- an entry that ends (removed_at set) restricts nothing any more
-- +goose StatementBegin
CREATE FUNCTION vermerk_entry_ended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM contact_restrictions WHERE entry_id = NEW.id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER contact_restrictions_added AFTER INSERT ON contact_restrictions
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION vermerk_restrictions_added();
CREATE TRIGGER contact_restrictions_deleted AFTER DELETE ON contact_restrictions
    REFERENCING OLD TABLE AS before FOR EACH STATEMENT EXECUTE FUNCTION vermerk_restrictions_deleted();
CREATE TRIGGER blacklist_entry_ended AFTER UPDATE OF removed_at ON blacklist_entries
    FOR EACH ROW WHEN (NEW.removed_at IS NOT NULL AND OLD.removed_at IS NULL) EXECUTE FUNCTION vermerk_entry_ended();
ALTER TABLE contact_restrictions ENABLE ALWAYS TRIGGER contact_restrictions_added;
ALTER TABLE contact_restrictions ENABLE ALWAYS TRIGGER contact_restrictions_deleted;
ALTER TABLE blacklist_entries ENABLE ALWAYS TRIGGER blacklist_entry_ended;

-- +goose Down
DROP TRIGGER blacklist_entry_ended ON blacklist_entries;
DROP TABLE contact_restrictions;
DROP FUNCTION vermerk_entry_ended();
DROP FUNCTION vermerk_restrictions_deleted();
DROP FUNCTION vermerk_restrictions_added();
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION vermerk_contact_blocked(c uuid) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (SELECT FROM contact_emails e WHERE e.contact_id = c
                     AND (e.hash IS NULL OR EXISTS (SELECT FROM blacklist_hashes h WHERE h.hash = e.hash)))
        OR EXISTS (SELECT FROM contact_phones p WHERE p.contact_id = c
                     AND (p.hash IS NULL OR EXISTS (SELECT FROM blacklist_hashes h WHERE h.hash = p.hash)));
END
$$;
-- +goose StatementEnd
