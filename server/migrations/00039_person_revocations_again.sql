-- The repair of migration 00032, once more, for what was recorded since with two gaps in the
-- person's revocation (both fixed in this version): mergeContacts gave the survivor the merged
-- records' e-mails and phones without applying her revocations to the records it then shared
-- them with (consent.JoinPerson), and an updateContact that joined a record to a person while a
-- revocation of hers was under way could miss it (JoinPerson read before it locked). Such a
-- record kept a grant older than the person's "no" and stayed a recipient. The same rule as
-- 00032, the same result for a database that has no such record: a record whose grant in force
-- is older than a revocation of the same purpose on another record of its person (shared
-- normalised e-mail or phone, transitively; more than 200 records is no one person) inherits
-- the latest such revocation, dated when it was said, naming the record it was said on, with a
-- CONSENT_REVOKED event.
-- +goose Up
-- The records holding an e-mail or phone that more than 200 records share belong to no one
-- person: the walk below does not go through them, so an office's switchboard number on
-- thousands of records, some of which revoked, costs no walk of those thousands per revocation.
CREATE TEMPORARY TABLE crowded_00039 (contact_id uuid PRIMARY KEY) ON COMMIT DROP;
INSERT INTO crowded_00039
SELECT contact_id FROM contact_emails WHERE normalized IN (SELECT normalized FROM contact_emails GROUP BY normalized HAVING count(*) > 200)
UNION SELECT contact_id FROM contact_phones WHERE number IN (SELECT number FROM contact_phones GROUP BY number HAVING count(*) > 200);
ANALYZE crowded_00039;

CREATE TEMPORARY TABLE person_revocations_00039 ON COMMIT DROP AS
WITH RECURSIVE origins AS (
    SELECT DISTINCT contact_id FROM consent_events WHERE status = 'REVOKED'
    EXCEPT SELECT contact_id FROM crowded_00039
), person(origin, member) AS (
    SELECT contact_id, contact_id FROM origins
  UNION
    SELECT p.origin, n.id FROM person p CROSS JOIN LATERAL (
        SELECT x.contact_id AS id FROM contact_emails e JOIN contact_emails x ON x.normalized = e.normalized WHERE e.contact_id = p.member
        UNION SELECT x.contact_id FROM contact_phones ph JOIN contact_phones x ON x.number = ph.number WHERE ph.contact_id = p.member) n
    WHERE NOT EXISTS (SELECT FROM crowded_00039 c WHERE c.contact_id = p.member)
), sized AS (
    -- a person reaching a crowded record, or more than 200 records, is left
    SELECT origin, member FROM person WHERE origin IN (SELECT origin FROM person GROUP BY origin
        HAVING count(*) <= 200 AND NOT bool_or(member IN (SELECT contact_id FROM crowded_00039)))
), last_revocation AS (
    SELECT DISTINCT ON (e.contact_id, e.purpose_id) e.contact_id AS origin, e.purpose_id,
        coalesce(e.given_at, e.at) AS said_at, e.source, e.recorded_by, e.recorded_by_token
    FROM consent_events e WHERE e.status = 'REVOKED'
    ORDER BY e.contact_id, e.purpose_id, coalesce(e.given_at, e.at) DESC, e.id DESC
)
SELECT DISTINCT ON (s.contact_id, s.purpose_id) s.contact_id, s.purpose_id, r.origin, r.said_at, r.source, r.recorded_by, r.recorded_by_token
FROM sized p
JOIN last_revocation r ON r.origin = p.origin
JOIN consent_state s ON s.contact_id = p.member AND s.purpose_id = r.purpose_id AND s.status = 'GRANTED'
WHERE p.member <> p.origin AND s.granted_at < r.said_at
ORDER BY s.contact_id, s.purpose_id, r.said_at DESC, r.origin;

INSERT INTO consent_events (contact_id, purpose_id, status, source, evidence, given_at, recorded_by, recorded_by_token)
SELECT contact_id, purpose_id, 'REVOKED', source,
    'revoked on record ' || origin || ' of the same person (a shared e-mail or phone)',
    CASE WHEN said_at >= now() - interval '3 years' THEN said_at END, recorded_by, recorded_by_token
FROM person_revocations_00039 ORDER BY contact_id, purpose_id;

SELECT vermerk_emit('CONSENT_REVOKED', i.contact_id, i.purpose_id, i.source, NULL)
FROM person_revocations_00039 i
JOIN consent_state s ON s.contact_id = i.contact_id AND s.purpose_id = i.purpose_id AND s.status = 'REVOKED'
ORDER BY i.contact_id, i.purpose_id;

-- +goose Down
-- The ledger is append-only: the revocations stay (they were the person's).
SELECT 1;
