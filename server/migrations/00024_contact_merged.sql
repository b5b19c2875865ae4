-- CONTACT_MERGED: mergeContacts merged a record (ref) into the survivor (contact_id). The kind
-- lists are those of 00021_retention.sql with CONTACT_MERGED added.
-- +goose Up
ALTER TABLE events DROP CONSTRAINT events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check CHECK (kind IN ('CONSENT_REVOKED', 'CONTACT_ERASED',
    'CONTACT_BLOCKED', 'BLACKLIST_CHANGED', 'IMPORT_PROGRESS', 'REQUEST_DUE', 'CONTACT_DELETED', 'CONTACT_REENTERED', 'TOKEN_REVOKED',
    'CONTACT_MERGED'));

ALTER TABLE webhooks DROP CONSTRAINT webhooks_kinds_check;
ALTER TABLE webhooks ADD CONSTRAINT webhooks_kinds_check CHECK (cardinality(kinds) > 0
    AND kinds <@ ARRAY['CONSENT_REVOKED', 'CONTACT_ERASED', 'CONTACT_BLOCKED', 'REQUEST_DUE', 'CONTACT_DELETED', 'CONTACT_REENTERED',
        'CONTACT_MERGED']::text[]);
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_kind_check;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_kind_check CHECK (kind IN
    ('CONSENT_REVOKED', 'CONTACT_ERASED', 'CONTACT_BLOCKED', 'REQUEST_DUE', 'CONTACT_DELETED', 'CONTACT_REENTERED', 'CONTACT_MERGED'));

-- +goose Down
DELETE FROM webhook_deliveries WHERE kind = 'CONTACT_MERGED';
UPDATE webhooks SET kinds = array_remove(kinds, 'CONTACT_MERGED') WHERE 'CONTACT_MERGED' = ANY (kinds);
DELETE FROM webhooks WHERE cardinality(kinds) = 0;
DELETE FROM events WHERE kind = 'CONTACT_MERGED';
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_kind_check;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_kind_check CHECK (kind IN
    ('CONSENT_REVOKED', 'CONTACT_ERASED', 'CONTACT_BLOCKED', 'REQUEST_DUE', 'CONTACT_DELETED', 'CONTACT_REENTERED'));
ALTER TABLE webhooks DROP CONSTRAINT webhooks_kinds_check;
ALTER TABLE webhooks ADD CONSTRAINT webhooks_kinds_check CHECK (cardinality(kinds) > 0
    AND kinds <@ ARRAY['CONSENT_REVOKED', 'CONTACT_ERASED', 'CONTACT_BLOCKED', 'REQUEST_DUE', 'CONTACT_DELETED', 'CONTACT_REENTERED']::text[]);
ALTER TABLE events DROP CONSTRAINT events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check CHECK (kind IN ('CONSENT_REVOKED', 'CONTACT_ERASED',
    'CONTACT_BLOCKED', 'BLACKLIST_CHANGED', 'IMPORT_PROGRESS', 'REQUEST_DUE', 'CONTACT_DELETED', 'CONTACT_REENTERED', 'TOKEN_REVOKED'));
