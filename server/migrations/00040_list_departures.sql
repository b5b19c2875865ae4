-- When the person left a list through its unsubscribe link: one row per list and record the
-- link named (the latest time), ids and a time only. A record that joins her person later
-- (another record's e-mail or phone, a merge) leaves the lists she left after its membership
-- there began (consent.JoinPerson); until now nothing but the audit trail said which list an
-- unsubscribe was from, and the joining record kept its membership, so her next "yes" to the
-- purpose (a sign-up for another of its lists) made it a recipient of the list she had left.
-- +goose Up
CREATE TABLE list_departures (
    list_id    uuid NOT NULL REFERENCES distribution_lists (id) ON DELETE CASCADE,
    contact_id uuid NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    left_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (contact_id, list_id)
);
CREATE INDEX list_departures_list ON list_departures (list_id);

-- The unsubscribes made before, as the audit trail recorded them (operation unsubscribe, the
-- list as target, the record the link acted on; moved to the survivor by merges).
INSERT INTO list_departures (list_id, contact_id, left_at)
SELECT l.id, c.id, max(a.at)
FROM audit_log a
JOIN distribution_lists l ON l.id::text = a.target_id
JOIN contacts c ON c.id = a.contact_id
WHERE a.operation = 'unsubscribe' AND a.outcome LIKE 'ok%'
GROUP BY l.id, c.id;

-- The records that joined her person before this version leave those lists too: every record
-- of the person (shared normalised e-mail or phone, transitively; a record holding one that
-- more than 200 records share is no one person's, as in 00039) whose membership began before
-- her departure.
CREATE TEMPORARY TABLE crowded_00040 (contact_id uuid PRIMARY KEY) ON COMMIT DROP;
INSERT INTO crowded_00040
SELECT contact_id FROM contact_emails WHERE normalized IN (SELECT normalized FROM contact_emails GROUP BY normalized HAVING count(*) > 200)
UNION SELECT contact_id FROM contact_phones WHERE number IN (SELECT number FROM contact_phones GROUP BY number HAVING count(*) > 200);

WITH RECURSIVE person(origin, member) AS (
    SELECT DISTINCT contact_id, contact_id FROM list_departures
    WHERE contact_id NOT IN (SELECT contact_id FROM crowded_00040)
  UNION
    SELECT p.origin, n.id FROM person p CROSS JOIN LATERAL (
        SELECT x.contact_id AS id FROM contact_emails e JOIN contact_emails x ON x.normalized = e.normalized WHERE e.contact_id = p.member
        UNION SELECT x.contact_id FROM contact_phones ph JOIN contact_phones x ON x.number = ph.number WHERE ph.contact_id = p.member) n
    WHERE NOT EXISTS (SELECT FROM crowded_00040 c WHERE c.contact_id = p.member)
), sized AS (
    SELECT origin, member FROM person WHERE origin IN (SELECT origin FROM person GROUP BY origin
        HAVING count(*) <= 200 AND NOT bool_or(member IN (SELECT contact_id FROM crowded_00040)))
)
DELETE FROM list_members m USING sized p, list_departures d
WHERE d.contact_id = p.origin AND m.list_id = d.list_id AND m.contact_id = p.member AND m.added_at < d.left_at;

-- +goose Down
DROP TABLE list_departures;
