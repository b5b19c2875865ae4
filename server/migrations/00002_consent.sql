-- Purposes, distribution lists, the append-only consent ledger and its derived current state.
-- +goose Up

-- A processing purpose (Zweckbindung): every consent and every list names exactly one.
CREATE TABLE purposes (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    key         text NOT NULL CONSTRAINT purposes_key_unique UNIQUE
                CONSTRAINT purposes_key_format CHECK (key ~ '^[a-z][a-z0-9_-]{1,62}$'),
    name        text NOT NULL CHECK (btrim(name) <> ''),
    description text,
    legal_basis text NOT NULL CHECK (legal_basis IN ('CONSENT', 'CONTRACT', 'LEGITIMATE_INTEREST')),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- A distribution list (Verteiler) belongs to one purpose; its recipients need a consent for it.
CREATE TABLE distribution_lists (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    key        text NOT NULL CONSTRAINT distribution_lists_key_unique UNIQUE
               CONSTRAINT distribution_lists_key_format CHECK (key ~ '^[a-z][a-z0-9_-]{1,62}$'),
    name       text NOT NULL CHECK (btrim(name) <> ''),
    purpose_id uuid NOT NULL REFERENCES purposes (id),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX distribution_lists_purpose ON distribution_lists (purpose_id);

-- Membership alone never makes a recipient; the primary key serves recipients' keyset scan.
CREATE TABLE list_members (
    list_id    uuid NOT NULL REFERENCES distribution_lists (id) ON DELETE CASCADE,
    contact_id uuid NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    added_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (list_id, contact_id)
);
CREATE INDEX list_members_contact ON list_members (contact_id);

-- The ledger (Nachweispflicht, Art. 7(1)): every grant and revocation, never edited. Only an
-- erasure (SET LOCAL vermerk.erasure = 'on') may delete the rows of the erased person.
CREATE TABLE consent_events (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contact_id        uuid NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    purpose_id        uuid NOT NULL REFERENCES purposes (id),
    status            text NOT NULL CHECK (status IN ('GRANTED', 'REVOKED')),
    at                timestamptz NOT NULL DEFAULT now(),
    source            text NOT NULL CHECK (btrim(source) <> ''),
    evidence          text,
    recorded_by       text NOT NULL,
    recorded_by_token text NOT NULL
);
CREATE INDEX consent_events_contact ON consent_events (contact_id, purpose_id, id);
CREATE INDEX consent_events_purpose ON consent_events (purpose_id);

CREATE TRIGGER consent_events_append_only BEFORE UPDATE OR DELETE ON consent_events
    FOR EACH ROW EXECUTE FUNCTION vermerk_append_only();

-- The current state per contact and purpose, derived from the ledger by the trigger below in
-- the transaction that appends the event; recipients read only this and list_members.
CREATE TABLE consent_state (
    contact_id    uuid NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    purpose_id    uuid NOT NULL REFERENCES purposes (id),
    id            uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    status        text NOT NULL CHECK (status IN ('GRANTED', 'REVOKED')),
    granted_at    timestamptz,
    revoked_at    timestamptz,
    last_event_id bigint NOT NULL,
    PRIMARY KEY (contact_id, purpose_id)
);
-- recipients: for one purpose, the granted contacts in id order (merge- or loop-joined with
-- list_members' primary key, both index-only).
CREATE INDEX consent_state_granted ON consent_state (purpose_id, contact_id) WHERE status = 'GRANTED';

-- grantedAt is the grant in force (a repeated grant renews it); revokedAt the revocation in
-- force (cleared by a new grant). An event that lost a race to a later one changes nothing.
-- +goose StatementBegin
CREATE FUNCTION vermerk_consent_derive() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER consent_events_derive AFTER INSERT ON consent_events
    FOR EACH ROW EXECUTE FUNCTION vermerk_consent_derive();

-- +goose Down
DROP TABLE consent_state;
DROP TABLE consent_events;
DROP FUNCTION vermerk_consent_derive();
DROP TABLE list_members;
DROP TABLE distribution_lists;
DROP TABLE purposes;
