-- An objection or restriction (blacklist.BlockPerson) holds for the records that become the
-- person's after it: a record that shares an e-mail or phone with a record the entry restricts
-- is restricted too, and the e-mails and phones of her records join the entry's hashes
-- (consent.JoinPerson). A record named as someone else when she was blocked (keep: a family's
-- shared phone) must stay apart however her records change later, so the entry remembers it:
-- restriction_kept names the records a MANUAL entry set apart. The search for her records does
-- not pass through them, and what they hold is not added to the entry.
--
-- Entries made before: which records were set apart was not recorded. A record the entry does
-- not restrict, created before the entry, holding an e-mail or phone that a record it restricts
-- holds too and whose hash it lacks, was set apart then (BlockPerson left that identifier out)
-- or shares an identifier staff added to her record after the block; taken for set apart, as
-- blocking someone else is the worse mistake. An admin blocks such a record with
-- blacklistContact.
-- +goose Up
CREATE TABLE restriction_kept (
    entry_id   uuid NOT NULL REFERENCES blacklist_entries (id) ON DELETE CASCADE,
    contact_id uuid NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    PRIMARY KEY (entry_id, contact_id)
);
CREATE INDEX restriction_kept_contact ON restriction_kept (contact_id);

INSERT INTO restriction_kept (entry_id, contact_id)
SELECT DISTINCT r.entry_id, o.contact_id
FROM contact_restrictions r
JOIN blacklist_entries e ON e.id = r.entry_id AND e.removed_at IS NULL
JOIN LATERAL (
    SELECT x.contact_id, x.hash FROM contact_emails m JOIN contact_emails x ON x.normalized = m.normalized
        WHERE m.contact_id = r.contact_id AND x.contact_id <> r.contact_id
    UNION ALL
    SELECT x.contact_id, x.hash FROM contact_phones m JOIN contact_phones x ON x.number = m.number
        WHERE m.contact_id = r.contact_id AND x.contact_id <> r.contact_id) o ON true
JOIN contacts c ON c.id = o.contact_id AND c.created_at < e.created_at
WHERE NOT EXISTS (SELECT FROM contact_restrictions k WHERE k.entry_id = r.entry_id AND k.contact_id = o.contact_id)
  AND NOT EXISTS (SELECT FROM blacklist_hashes h WHERE h.entry_id = r.entry_id AND h.hash = o.hash)
ON CONFLICT DO NOTHING;

-- +goose Down
DROP TABLE restriction_kept;
