-- API tokens: only the SHA-256 of each bearer secret is stored. INTEGRATOR tokens are bound to
-- purposes through api_token_purposes, which references purposes(key) so a binding can never
-- name a purpose that does not exist.
-- +goose Up
CREATE TABLE api_tokens (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name         text NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 100),
    role         text NOT NULL CHECK (role IN ('STAFF', 'INTEGRATOR', 'ADMIN')),
    secret_hash  bytea NOT NULL CONSTRAINT api_tokens_secret_hash_unique UNIQUE
                 CHECK (length(secret_hash) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz,
    CHECK (expires_at IS NULL OR expires_at > created_at)
);

CREATE TABLE api_token_purposes (
    token_id    uuid NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    purpose_key text NOT NULL REFERENCES purposes (key) ON UPDATE CASCADE,
    PRIMARY KEY (token_id, purpose_key)
);
CREATE INDEX api_token_purposes_key ON api_token_purposes (purpose_key);

-- auditTrail(since: …) pages newest first from a point in time.
CREATE INDEX audit_log_at ON audit_log (at);

-- +goose Down
DROP INDEX audit_log_at;
DROP TABLE api_token_purposes;
DROP TABLE api_tokens;
