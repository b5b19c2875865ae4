-- Versioned consent texts, when a consent was given (beside when it was recorded), and the one
-- rule that orders the ledger for the derived state.
-- +goose Up

-- The text a person agrees to for a purpose. A new wording is a new version; none is edited.
CREATE TABLE consent_texts (
    purpose_id  uuid NOT NULL REFERENCES purposes (id),
    version     int  NOT NULL CHECK (version >= 1),
    text        text NOT NULL CHECK (btrim(text) <> ''),
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL,
    PRIMARY KEY (purpose_id, version)
);

CREATE TRIGGER consent_texts_append_only BEFORE UPDATE OR DELETE ON consent_texts
    FOR EACH ROW EXECUTE FUNCTION vermerk_append_only();

-- given_at: when the person agreed (on paper, on the phone), where it differs from `at`, when
-- it was recorded. Never after the recording (a minute of clock skew allowed) and at most three
-- years before it (the application says why).
ALTER TABLE consent_events
    ADD COLUMN given_at timestamptz,
    ADD COLUMN consent_text_version int,
    ADD CONSTRAINT consent_events_given_at CHECK (
        given_at IS NULL OR (given_at <= at + interval '1 minute' AND given_at >= at - interval '3 years 1 day')),
    ADD CONSTRAINT consent_events_text FOREIGN KEY (purpose_id, consent_text_version)
        REFERENCES consent_texts (purpose_id, version);

-- Recorded-at is the wall clock of the insert, not the start of its transaction: writes of one
-- person take turns on the contact's row lock, so later recordings get later times.
ALTER TABLE consent_events ALTER COLUMN at SET DEFAULT clock_timestamp();

-- The one ordering rule of the ledger: an event's place is coalesce(given_at, at), ties by id.
-- The state of (contact, purpose) is that of its last event in this order; grantedAt is the
-- last grant's time, revokedAt the last event's time when it is a revocation. Every derivation
-- (the trigger below, a merge of two records) calls this function.
-- +goose StatementBegin
CREATE FUNCTION vermerk_consent_rederive(p_contact uuid, p_purpose uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_id      bigint;
    v_status  text;
    v_at      timestamptz;
    v_granted timestamptz;
BEGIN
    SELECT e.id, e.status, coalesce(e.given_at, e.at) INTO v_id, v_status, v_at
    FROM consent_events e WHERE e.contact_id = p_contact AND e.purpose_id = p_purpose
    ORDER BY coalesce(e.given_at, e.at) DESC, e.id DESC LIMIT 1;
    IF NOT FOUND THEN
        DELETE FROM consent_state WHERE contact_id = p_contact AND purpose_id = p_purpose;
        RETURN;
    END IF;
    SELECT max(coalesce(e.given_at, e.at)) INTO v_granted
    FROM consent_events e WHERE e.contact_id = p_contact AND e.purpose_id = p_purpose AND e.status = 'GRANTED';
    INSERT INTO consent_state AS s (contact_id, purpose_id, status, granted_at, revoked_at, last_event_id)
    VALUES (p_contact, p_purpose, v_status, v_granted, CASE WHEN v_status = 'REVOKED' THEN v_at END, v_id)
    ON CONFLICT (contact_id, purpose_id) DO UPDATE SET
        status = EXCLUDED.status, granted_at = EXCLUDED.granted_at,
        revoked_at = EXCLUDED.revoked_at, last_event_id = EXCLUDED.last_event_id;
END $$;

CREATE OR REPLACE FUNCTION vermerk_consent_derive() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM vermerk_consent_rederive(NEW.contact_id, NEW.purpose_id);
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION vermerk_consent_derive() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO consent_state AS s (contact_id, purpose_id, status, granted_at, revoked_at, last_event_id)
    VALUES (NEW.contact_id, NEW.purpose_id, NEW.status,
            CASE WHEN NEW.status = 'GRANTED' THEN NEW.at END,
            CASE WHEN NEW.status = 'REVOKED' THEN NEW.at END,
            NEW.id)
    ON CONFLICT (contact_id, purpose_id) DO UPDATE SET
        status        = EXCLUDED.status,
        granted_at    = CASE WHEN EXCLUDED.status = 'GRANTED' THEN EXCLUDED.granted_at ELSE s.granted_at END,
        revoked_at    = CASE WHEN EXCLUDED.status = 'REVOKED' THEN EXCLUDED.revoked_at END,
        last_event_id = EXCLUDED.last_event_id
    WHERE s.last_event_id < EXCLUDED.last_event_id;
    RETURN NULL;
END $$;
-- +goose StatementEnd
DROP FUNCTION vermerk_consent_rederive(uuid, uuid);
ALTER TABLE consent_events ALTER COLUMN at SET DEFAULT now();
ALTER TABLE consent_events DROP CONSTRAINT consent_events_text, DROP CONSTRAINT consent_events_given_at,
    DROP COLUMN consent_text_version, DROP COLUMN given_at;
DROP TABLE consent_texts;
