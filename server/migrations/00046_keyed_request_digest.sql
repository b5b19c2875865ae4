-- What tells a request sent again under an Idempotency-Key from another one is, from here on, a
-- keyed hash: HMAC-SHA-256 of the request's SHA-256 under the sub-key "idempotency-digest/v1"
-- of the server's secret key key_id (store.claimKey), a key that is kept apart from the
-- database. Before, it was the SHA-256 of a salt stored beside it; of a request that carries a
-- person's data (createContact with her name and e-mail) a copy of the database could test
-- guesses against it for the key's day, also after the answer was not kept for her sake (an
-- erasure's). Keyed, it tells a changed request from the same one (IDEMPOTENCY_KEY_REUSED)
-- and nothing to whoever holds the database alone. Rows claimed before this migration keep
-- their salted digest until they are pruned, a day later.
-- +goose Up
ALTER TABLE idempotent_requests ALTER COLUMN salt DROP NOT NULL;
ALTER TABLE idempotent_requests ADD COLUMN key_id text;
COMMENT ON COLUMN idempotent_requests.salt IS 'only on keys claimed before migration 00046: digest = sha256(salt || the request''s SHA-256)';
COMMENT ON COLUMN idempotent_requests.key_id IS 'the server secret key whose sub-key "idempotency-digest/v1" keyed digest = HMAC-SHA-256(sub-key, the request''s SHA-256)';

-- +goose Down
DELETE FROM idempotent_requests WHERE salt IS NULL;
ALTER TABLE idempotent_requests DROP COLUMN key_id;
ALTER TABLE idempotent_requests ALTER COLUMN salt SET NOT NULL;
