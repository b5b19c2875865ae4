-- Data-subject requests and audit rows that name a record merged before mergeContacts moved
-- them to the survivor (contacts.repointOthers): moved now, so an ERASURE request of a merged
-- record erases the person and an erasure of the survivor blanks their notes and reasons.
-- contact_merges maps every merged id to its survivor of today.
-- +goose Up
SELECT set_config('vermerk.merge', 'on', true);
UPDATE data_subject_requests r SET contact_id = m.into_id FROM contact_merges m WHERE r.contact_id = m.from_id;
UPDATE audit_log a SET contact_id = m.into_id FROM contact_merges m WHERE a.contact_id = m.from_id;
SELECT set_config('vermerk.merge', 'off', true);

-- +goose Down
-- The rows stay with the survivor: which record they named first is not kept.
SELECT 1;
