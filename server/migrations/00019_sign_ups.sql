-- Double opt-in sign-ups: what a web form sent, kept until the person confirms or it expires.
-- +goose Up

-- A pending sign-up holds the e-mail and name as sent and the evidence of the first step. On
-- confirmation the contact, membership and consent are written and the personal data here is
-- cleared (the evidence lives on in the ledger); the row stays, so a repeated confirmation
-- is recognised, until it expires. Expired rows are deleted with everything they hold.
CREATE TABLE sign_ups (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    purpose_id           uuid NOT NULL REFERENCES purposes (id),
    list_id              uuid REFERENCES distribution_lists (id) ON DELETE CASCADE,
    email                text CHECK (email <> ''),
    email_normalized     text CHECK (email_normalized <> ''),
    given_name           text,
    family_name          text,
    consent_text_version int,
    source               text NOT NULL CHECK (btrim(source) <> ''),
    signed_up_at         timestamptz NOT NULL DEFAULT now(),
    signed_up_ip         text,
    signed_up_user_agent text,
    recorded_by          text NOT NULL,
    recorded_by_token    text NOT NULL,
    expires_at           timestamptz NOT NULL,
    confirmed_at         timestamptz,
    contact_id           uuid REFERENCES contacts (id) ON DELETE CASCADE,
    FOREIGN KEY (purpose_id, consent_text_version) REFERENCES consent_texts (purpose_id, version),
    -- pending: the e-mail is there; confirmed: it is gone and the contact named
    CONSTRAINT sign_ups_state CHECK (
        (confirmed_at IS NULL AND email IS NOT NULL AND email_normalized IS NOT NULL AND contact_id IS NULL) OR
        (confirmed_at IS NOT NULL AND email IS NULL AND email_normalized IS NULL AND given_name IS NULL AND family_name IS NULL
         AND signed_up_ip IS NULL AND signed_up_user_agent IS NULL))
);
-- One pending sign-up per address, purpose and list: a repeated sign-up returns it.
CREATE UNIQUE INDEX sign_ups_pending ON sign_ups (email_normalized, purpose_id, coalesce(list_id, '00000000-0000-0000-0000-000000000000'))
    WHERE confirmed_at IS NULL;
CREATE INDEX sign_ups_expires ON sign_ups (expires_at);
CREATE INDEX sign_ups_contact ON sign_ups (contact_id) WHERE contact_id IS NOT NULL;

-- An erasure (vermerk.erasure = 'on') also deletes the pending sign-ups of the erased
-- person's addresses: nothing of them stays in clear text, and a link mailed before no longer
-- confirms (signing up anew goes through the blacklist's re-entry).
-- +goose StatementBegin
CREATE FUNCTION vermerk_sign_ups_erase() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('vermerk.erasure', true) = 'on' THEN
        DELETE FROM sign_ups WHERE confirmed_at IS NULL
            AND email_normalized IN (SELECT normalized FROM contact_emails WHERE contact_id = OLD.id);
    END IF;
    RETURN OLD;
END $$;
-- +goose StatementEnd
CREATE TRIGGER contacts_erase_sign_ups BEFORE DELETE ON contacts
    FOR EACH ROW EXECUTE FUNCTION vermerk_sign_ups_erase();

-- CONTACT_REENTERED: a person on the blacklist confirmed a sign-up and was entered again.
-- CONTACT_BLOCKED is listed too: another change of this release adds it.
ALTER TABLE events DROP CONSTRAINT IF EXISTS events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check CHECK (kind IN ('CONSENT_REVOKED', 'CONTACT_ERASED',
    'BLACKLIST_CHANGED', 'IMPORT_PROGRESS', 'CONTACT_BLOCKED', 'CONTACT_REENTERED'));

-- The consent a held import row states (consent columns), recorded if the row is accepted.
CREATE TABLE import_held_consents (
    job_id     uuid NOT NULL,
    line       int  NOT NULL,
    purpose_id uuid NOT NULL REFERENCES purposes (id),
    given_at   timestamptz,
    evidence   text NOT NULL,
    PRIMARY KEY (job_id, line),
    FOREIGN KEY (job_id, line) REFERENCES import_held (job_id, line) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE import_held_consents;
DROP TRIGGER contacts_erase_sign_ups ON contacts;
DROP FUNCTION vermerk_sign_ups_erase();
ALTER TABLE events DROP CONSTRAINT IF EXISTS events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check CHECK (kind IN ('CONSENT_REVOKED', 'CONTACT_ERASED',
    'BLACKLIST_CHANGED', 'IMPORT_PROGRESS', 'CONTACT_BLOCKED'));
DROP TABLE sign_ups;
