-- CONTACT_BLOCKED: a blacklist entry (blacklistAdd, blacklistContact, an erasure) now covers a
-- live contact, which recipients leaves out from then on. An outbox event per contact,
-- delivered like revocations (the revocations subscription, webhooks); its ref is the entry.
-- +goose Up
ALTER TABLE events DROP CONSTRAINT events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check
    CHECK (kind IN ('CONSENT_REVOKED', 'CONTACT_ERASED', 'CONTACT_BLOCKED', 'BLACKLIST_CHANGED', 'IMPORT_PROGRESS'));

ALTER TABLE webhooks DROP CONSTRAINT webhooks_kinds_check;
ALTER TABLE webhooks ADD CONSTRAINT webhooks_kinds_check
    CHECK (cardinality(kinds) > 0 AND kinds <@ ARRAY['CONSENT_REVOKED', 'CONTACT_ERASED', 'CONTACT_BLOCKED']::text[]);

ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_kind_check;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_kind_check
    CHECK (kind IN ('CONSENT_REVOKED', 'CONTACT_ERASED', 'CONTACT_BLOCKED'));

-- +goose Down
DELETE FROM webhook_deliveries WHERE kind = 'CONTACT_BLOCKED';
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_kind_check;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_kind_check
    CHECK (kind IN ('CONSENT_REVOKED', 'CONTACT_ERASED'));
UPDATE webhooks SET kinds = array_remove(kinds, 'CONTACT_BLOCKED');
DELETE FROM webhooks WHERE cardinality(kinds) = 0;
ALTER TABLE webhooks DROP CONSTRAINT webhooks_kinds_check;
ALTER TABLE webhooks ADD CONSTRAINT webhooks_kinds_check
    CHECK (cardinality(kinds) > 0 AND kinds <@ ARRAY['CONSENT_REVOKED', 'CONTACT_ERASED']::text[]);
DELETE FROM events WHERE kind = 'CONTACT_BLOCKED';
ALTER TABLE events DROP CONSTRAINT events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check
    CHECK (kind IN ('CONSENT_REVOKED', 'CONTACT_ERASED', 'BLACKLIST_CHANGED', 'IMPORT_PROGRESS'));
