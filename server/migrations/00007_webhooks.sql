-- Outgoing webhooks: endpoints that receive revocations and erasures, and their delivery log.
-- Payloads hold ids, kinds and purpose keys only — no personal data — so the log needs no
-- erasure handling (like the events outbox, it names a contact only by its id).
-- +goose Up
CREATE TABLE webhooks (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    url           text NOT NULL CHECK (url ~ '^https?://[^/?#]+' AND length(url) <= 2000),
    kinds         text[] NOT NULL CHECK (cardinality(kinds) > 0
                      AND kinds <@ ARRAY['CONSENT_REVOKED', 'CONTACT_ERASED']::text[]),
    -- the shared secret, AES-256-GCM (nonce ‖ ciphertext) under a key derived from the server
    -- secret with id secret_key_id
    secret_enc    bytea NOT NULL,
    secret_key_id text NOT NULL,
    -- events up to this id have been turned into deliveries (at creation: the newest event)
    fanned_out_id bigint NOT NULL CHECK (fanned_out_id >= 0),
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_deliveries (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    webhook_id      uuid NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_id        bigint NOT NULL, -- no foreign key: the outbox is pruned, the log is kept
    kind            text NOT NULL CHECK (kind IN ('CONSENT_REVOKED', 'CONTACT_ERASED')),
    payload         text NOT NULL, -- the JSON body, exactly as signed and sent
    status          text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED')),
    attempts        int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error      text,
    last_attempt_at timestamptz,
    next_attempt_at timestamptz DEFAULT now(),
    delivered_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (webhook_id, event_id),
    CHECK ((status = 'PENDING') = (next_attempt_at IS NOT NULL)),
    CHECK ((status = 'DELIVERED') = (delivered_at IS NOT NULL))
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (webhook_id, next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, event_id DESC);
CREATE INDEX webhook_deliveries_recent ON webhook_deliveries (event_id DESC);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
