-- The ledger's rule between a grant and a revocation, corrected (consent.GrantUndoes): a grant
-- counts from least(given_at, at) — a givenAt up to a minute ahead of the server's clock (the
-- caller's clock differs) no longer outlasts a revocation recorded after it — and a revocation at
-- the same instant as a grant wins, where the grant recorded after it won before. Only a
-- strictly later grant undoes a "no". The states this changes are derived again, and each
-- consent it turns from GRANTED to REVOKED gets its CONSENT_REVOKED event: whoever holds the
-- contact's id must stop. No state turns the other way (grants only count earlier, and ties go
-- to the revocation).
-- +goose Up
-- An event's place in the ledger: a revocation's when the person said it (given_at, else when
-- recorded), a grant's when it was given but never after it was recorded.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION vermerk_consent_moment(p_status text, p_given_at timestamptz, p_at timestamptz)
RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_status = 'GRANTED' THEN least(p_given_at, p_at) ELSE coalesce(p_given_at, p_at) END
$$;

-- The one ordering rule of the ledger: events by vermerk_consent_moment, a revocation before a
-- grant of the same moment, then by id. The state is that of the last event; grantedAt the
-- latest grant's moment, revokedAt the last event's moment when it is a revocation.
CREATE OR REPLACE FUNCTION vermerk_consent_rederive(p_contact uuid, p_purpose uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_id      bigint;
    v_status  text;
    v_at      timestamptz;
    v_granted timestamptz;
BEGIN
    SELECT e.id, e.status, vermerk_consent_moment(e.status, e.given_at, e.at) INTO v_id, v_status, v_at
    FROM consent_events e WHERE e.contact_id = p_contact AND e.purpose_id = p_purpose
    ORDER BY vermerk_consent_moment(e.status, e.given_at, e.at) DESC, e.status = 'REVOKED' DESC, e.id DESC LIMIT 1;
    IF NOT FOUND THEN
        DELETE FROM consent_state WHERE contact_id = p_contact AND purpose_id = p_purpose;
        RETURN;
    END IF;
    SELECT max(vermerk_consent_moment(e.status, e.given_at, e.at)) INTO v_granted
    FROM consent_events e WHERE e.contact_id = p_contact AND e.purpose_id = p_purpose AND e.status = 'GRANTED';
    INSERT INTO consent_state AS s (contact_id, purpose_id, status, granted_at, revoked_at, last_event_id)
    VALUES (p_contact, p_purpose, v_status, v_granted, CASE WHEN v_status = 'REVOKED' THEN v_at END, v_id)
    ON CONFLICT (contact_id, purpose_id) DO UPDATE SET
        status = EXCLUDED.status, granted_at = EXCLUDED.granted_at,
        revoked_at = EXCLUDED.revoked_at, last_event_id = EXCLUDED.last_event_id;
END $$;
-- +goose StatementEnd

-- Only a ledger holding a grant dated ahead of its recording, or a grant and a revocation of
-- one moment, can derive otherwise now: those are read again (one pass over the ledger), and
-- of them the states that differ are derived again.
CREATE TEMPORARY TABLE consent_moment_00056 ON COMMIT DROP AS
WITH candidates AS (
    SELECT DISTINCT contact_id, purpose_id FROM (
        SELECT contact_id, purpose_id FROM consent_events
        GROUP BY contact_id, purpose_id, coalesce(given_at, at)
        HAVING (bool_or(status = 'GRANTED') AND bool_or(status = 'REVOKED')) OR bool_or(status = 'GRANTED' AND given_at > at)) t
), derived AS (
    SELECT DISTINCT ON (c.contact_id, c.purpose_id) c.contact_id, c.purpose_id, e.id AS last_event_id, e.status,
        vermerk_consent_moment(e.status, e.given_at, e.at) AS moment, e.source
    FROM candidates c JOIN consent_events e ON e.contact_id = c.contact_id AND e.purpose_id = c.purpose_id
    ORDER BY c.contact_id, c.purpose_id, vermerk_consent_moment(e.status, e.given_at, e.at) DESC, e.status = 'REVOKED' DESC, e.id DESC
), granted AS (
    SELECT c.contact_id, c.purpose_id, max(vermerk_consent_moment(e.status, e.given_at, e.at)) AS granted_at
    FROM candidates c JOIN consent_events e ON e.contact_id = c.contact_id AND e.purpose_id = c.purpose_id AND e.status = 'GRANTED'
    GROUP BY c.contact_id, c.purpose_id
)
SELECT s.contact_id, s.purpose_id, s.status AS was, d.status AS becomes, d.source
FROM derived d
JOIN consent_state s ON s.contact_id = d.contact_id AND s.purpose_id = d.purpose_id
LEFT JOIN granted g ON g.contact_id = d.contact_id AND g.purpose_id = d.purpose_id
WHERE (s.status, s.last_event_id, s.granted_at, s.revoked_at) IS DISTINCT FROM
      (d.status, d.last_event_id, g.granted_at, CASE WHEN d.status = 'REVOKED' THEN d.moment END);

SELECT vermerk_consent_rederive(contact_id, purpose_id) FROM consent_moment_00056 ORDER BY contact_id, purpose_id;

-- with the channel of the revocation now in force, as consent.Rederive announces a stop
SELECT vermerk_emit('CONSENT_REVOKED', contact_id, purpose_id, source, NULL)
FROM consent_moment_00056 WHERE was = 'GRANTED' AND becomes = 'REVOKED'
ORDER BY contact_id, purpose_id;

-- +goose Down
-- The rule of 00018 again. The states stay as derived: a downgrade does not revive a "no".
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION vermerk_consent_rederive(p_contact uuid, p_purpose uuid) RETURNS void LANGUAGE plpgsql AS $$
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
-- +goose StatementEnd
DROP FUNCTION vermerk_consent_moment(text, timestamptz, timestamptz);
