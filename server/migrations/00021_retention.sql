-- Storage limitation (Art. 5(1)(e)): how long each purpose keeps a contact without a granted
-- consent, and the events of the requests and retention work: REQUEST_DUE (a data-subject
-- request due within 7 days or overdue) and CONTACT_DELETED (deleted by retention, with no
-- blacklist entry). The kind lists name every kind of DESIGN's contract, CONTACT_BLOCKED too.
-- +goose Up
ALTER TABLE purposes ADD COLUMN retention_months int
    CONSTRAINT purposes_retention_months CHECK (retention_months BETWEEN 0 AND 1200);

ALTER TABLE events DROP CONSTRAINT events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check CHECK (kind IN ('CONSENT_REVOKED', 'CONTACT_ERASED',
    'CONTACT_BLOCKED', 'BLACKLIST_CHANGED', 'IMPORT_PROGRESS', 'REQUEST_DUE', 'CONTACT_DELETED', 'CONTACT_REENTERED', 'TOKEN_REVOKED'));

ALTER TABLE webhooks DROP CONSTRAINT webhooks_kinds_check;
ALTER TABLE webhooks ADD CONSTRAINT webhooks_kinds_check CHECK (cardinality(kinds) > 0
    AND kinds <@ ARRAY['CONSENT_REVOKED', 'CONTACT_ERASED', 'CONTACT_BLOCKED', 'REQUEST_DUE', 'CONTACT_DELETED', 'CONTACT_REENTERED']::text[]);
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_kind_check;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_kind_check CHECK (kind IN
    ('CONSENT_REVOKED', 'CONTACT_ERASED', 'CONTACT_BLOCKED', 'REQUEST_DUE', 'CONTACT_DELETED', 'CONTACT_REENTERED'));

-- The scheduled retention run (VERMERK_RETENTION_SCHEDULE): one row per day it ran, claimed
-- by the instance that runs it, so several instances run it once.
CREATE TABLE retention_runs (
    run_on      date PRIMARY KEY,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    examined    int NOT NULL DEFAULT 0,
    deleted     int NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE retention_runs;
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_kind_check;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_kind_check CHECK (kind IN ('CONSENT_REVOKED', 'CONTACT_ERASED'));
ALTER TABLE webhooks DROP CONSTRAINT webhooks_kinds_check;
ALTER TABLE webhooks ADD CONSTRAINT webhooks_kinds_check CHECK (cardinality(kinds) > 0
    AND kinds <@ ARRAY['CONSENT_REVOKED', 'CONTACT_ERASED']::text[]);
ALTER TABLE events DROP CONSTRAINT events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check CHECK (kind IN ('CONSENT_REVOKED', 'CONTACT_ERASED', 'BLACKLIST_CHANGED', 'IMPORT_PROGRESS'));
ALTER TABLE purposes DROP COLUMN retention_months;
