-- Merging duplicate records (mergeContacts): the merged records are deleted, their ledger
-- events move to the survivor unchanged but for contact_id, and contact_merges remembers where
-- each merged id went, so unsubscribe links issued for it keep working.
-- +goose Up

-- from_id names a deleted contact, so it has no foreign key; a survivor erased later takes
-- its mappings along.
CREATE TABLE contact_merges (
    from_id   uuid PRIMARY KEY,
    into_id   uuid NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    merged_at timestamptz NOT NULL DEFAULT now(),
    CHECK (from_id <> into_id)
);
CREATE INDEX contact_merges_into ON contact_merges (into_id);

-- The append-only tables stay append-only; a merge (SET LOCAL vermerk.merge = 'on') may only
-- move a row to another contact, changing no other column.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION vermerk_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('vermerk.erasure', true) = 'on' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND current_setting('vermerk.merge', true) = 'on'
       AND to_jsonb(NEW) ? 'contact_id'
       AND (to_jsonb(NEW) - 'contact_id') = (to_jsonb(OLD) - 'contact_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION vermerk_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('vermerk.erasure', true) = 'on' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
-- +goose StatementEnd
DROP TABLE contact_merges;
