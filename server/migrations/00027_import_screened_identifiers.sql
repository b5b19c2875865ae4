-- The import screens every row of a batch against the blacklist itself (the blacklist package's
-- batch lookup) and commits a batch only if no entry was added since (or writes it again under
-- the blacklist lock): none of the e-mails and phones it copies matches an active entry. It
-- says so with SET LOCAL vermerk.identifiers_screened = 'on', and the trigger of 00025 then
-- skips its probe of blacklist_hashes for those rows (at 10,000,000 entries one random probe
-- per copied e-mail and phone, a second time); a row without a hash still blocks its contact.
-- +goose Up
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION vermerk_identifiers_added() RETURNS trigger LANGUAGE plpgsql
    SET enable_hashjoin = off SET enable_mergejoin = off AS $$
BEGIN
    IF current_setting('vermerk.identifiers_screened', true) = 'on' THEN
        INSERT INTO contact_blocks (contact_id)
            SELECT DISTINCT a.contact_id FROM added a WHERE a.hash IS NULL
            ON CONFLICT DO NOTHING;
        RETURN NULL;
    END IF;
    INSERT INTO contact_blocks (contact_id)
        SELECT DISTINCT a.contact_id FROM added a
        WHERE a.hash IS NULL OR EXISTS (SELECT FROM blacklist_hashes h WHERE h.hash = a.hash)
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION vermerk_identifiers_added() RETURNS trigger LANGUAGE plpgsql
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
