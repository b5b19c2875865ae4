-- Core tables: contacts with their identifiers, the event outbox and the audit trail.
-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE contacts (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    given_name   text NOT NULL DEFAULT '',
    family_name  text NOT NULL DEFAULT '',
    organization text,
    street       text,
    postal_code  text,
    city         text,
    country      text,
    -- what search and keyset pagination read; maintained by the application on every write
    sort_key     text NOT NULL,
    search_text  text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT contacts_named CHECK (family_name <> '' OR coalesce(organization, '') <> ''),
    CONSTRAINT contacts_address_whole CHECK (
        (street IS NULL AND postal_code IS NULL AND city IS NULL AND country IS NULL) OR
        (street IS NOT NULL AND postal_code IS NOT NULL AND city IS NOT NULL AND country ~ '^[A-Z]{2}$'))
);
CREATE INDEX contacts_sort ON contacts (sort_key, id);
CREATE INDEX contacts_search ON contacts USING gin (search_text gin_trgm_ops);

-- address: as entered (display); normalized: screening.NormalizeEmail (matching, dedupe)
CREATE TABLE contact_emails (
    contact_id uuid NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    position   int  NOT NULL CHECK (position >= 0),
    address    text NOT NULL CHECK (address <> ''),
    normalized text NOT NULL CHECK (normalized <> ''),
    PRIMARY KEY (contact_id, position),
    UNIQUE (contact_id, normalized)
);
CREATE INDEX contact_emails_normalized ON contact_emails (normalized) INCLUDE (contact_id);

-- number: E.164 (display and matching)
CREATE TABLE contact_phones (
    contact_id uuid NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    position   int  NOT NULL CHECK (position >= 0),
    number     text NOT NULL CHECK (number ~ '^\+[1-9][0-9]{4,14}$'),
    PRIMARY KEY (contact_id, position),
    UNIQUE (contact_id, number)
);
CREATE INDEX contact_phones_number ON contact_phones (number) INCLUDE (contact_id);

-- The outbox: one row per revocation, erasure, blacklist change or import progress step,
-- written in the transaction of the change. Never personal data: ids, kinds and channels only.
CREATE TABLE events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       text NOT NULL CHECK (kind IN ('CONSENT_REVOKED', 'CONTACT_ERASED', 'BLACKLIST_CHANGED', 'IMPORT_PROGRESS')),
    at         timestamptz NOT NULL DEFAULT now(),
    contact_id uuid,
    purpose_id uuid,
    channel    text NOT NULL DEFAULT '',
    ref        text NOT NULL DEFAULT ''
);
CREATE INDEX events_at ON events (at);

-- vermerk_emit writes an outbox row and wakes the listeners at commit. The transaction lock
-- serialises event-writing transactions, so ids become visible in id order and a listener
-- that reads "id > last seen" never skips an id that commits late.
-- +goose StatementBegin
CREATE FUNCTION vermerk_emit(p_kind text, p_contact uuid, p_purpose uuid, p_channel text, p_ref text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(7243001);
    INSERT INTO events (kind, contact_id, purpose_id, channel, ref)
    VALUES (p_kind, p_contact, p_purpose, coalesce(p_channel, ''), coalesce(p_ref, ''))
    RETURNING id INTO v_id;
    PERFORM pg_notify('vermerk_events', v_id::text);
    RETURN v_id;
END $$;
-- +goose StatementEnd

-- The audit trail: who did what, when, through which token. Append-only; only an erasure
-- (SET LOCAL vermerk.erasure = 'on') may blank the free-text reason of rows about the person.
CREATE TABLE audit_log (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    actor_id   text NOT NULL,
    actor_name text NOT NULL,
    operation  text NOT NULL,
    target_id  text,
    contact_id uuid,
    outcome    text NOT NULL,
    reason     text
);
CREATE INDEX audit_log_contact ON audit_log (contact_id, id) WHERE contact_id IS NOT NULL;

-- +goose StatementBegin
CREATE FUNCTION vermerk_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION vermerk_append_only();

-- +goose Down
DROP TABLE audit_log;
DROP FUNCTION vermerk_append_only();
DROP FUNCTION vermerk_emit(text, uuid, uuid, text, text);
DROP TABLE events;
DROP TABLE contact_phones;
DROP TABLE contact_emails;
DROP TABLE contacts;
