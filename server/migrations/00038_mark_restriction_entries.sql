-- Migration 00036 marked restriction entries (Art. 18) from then on and left older ones
-- unmarked, so on an upgraded database a person's own sign-up ended a restriction said before
-- the upgrade, as if it were an objection (blacklist.EndForReentry). Which entries were
-- restrictions is recorded after all: completing a RESTRICTION request blocks its person
-- (requests.CompleteRequest) with the request's outcome as the entry's reason, audited as
-- blacklistContact with the entry and the request's contact, and then closes the request. An
-- entry is marked when such an audit row, made while the request was open (from its filing to
-- its closing), names it and the request's contact, and the entry's reason is the outcome: the
-- latest such row per request, which is the request's own block (made just before it closed).
-- An objection of the same person with the same words at another time stays unmarked.
-- +goose Up
UPDATE blacklist_entries SET restriction = true
WHERE source = 'MANUAL' AND NOT restriction AND id IN (
    SELECT DISTINCT ON (r.id) e.id
    FROM data_subject_requests r
    JOIN audit_log a ON a.operation = 'blacklistContact' AND a.contact_id = r.contact_id
                    AND a.at BETWEEN r.created_at AND r.closed_at
    JOIN blacklist_entries e ON e.id::text = a.target_id AND e.reason = r.outcome
    WHERE r.kind = 'RESTRICTION' AND r.status = 'DONE'
    ORDER BY r.id, a.at DESC);

-- +goose Down
SELECT 1; -- the marks stay: unmarking would let her sign-up end a restriction again
