-- A mutation sent with an Idempotency-Key (graph/idempotency) is carried out once: the first
-- transaction that commits under the key claims it here, in the same transaction as its writes,
-- and a request sent again with the key gets the first one's answer. Keys belong to the token
-- that sent them and live a day (pruned by the server). The answer may name people: when a
-- contact it names (contact_ids) is deleted (erasure, retention), the answer and the request's
-- digest are forgotten and the key stays spent, so no answer outlives a person it names and a
-- request sent again hears that it was carried out (ALREADY_CARRIED_OUT).
-- +goose Up
CREATE TABLE idempotent_requests (
    caller      text NOT NULL,  -- the token's id
    key         text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    salt        bytea NOT NULL, -- digest = sha256(salt || the request's SHA-256): tells another request from this one
    digest      bytea,          -- NULL once forgotten with a person its answer named
    claimed_at  timestamptz NOT NULL DEFAULT now(),
    response    bytea,          -- the answer as sent; NULL until kept, or when too large to keep
    contact_ids uuid[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (caller, key)
);
CREATE INDEX idempotent_requests_contacts ON idempotent_requests USING gin (contact_ids);
CREATE INDEX idempotent_requests_claimed ON idempotent_requests (claimed_at);

-- +goose StatementBegin
CREATE FUNCTION vermerk_idempotent_answers_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE idempotent_requests SET response = NULL, digest = NULL, contact_ids = '{}'
        WHERE contact_ids && ARRAY(SELECT id FROM gone);
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER contacts_forget_idempotent_answers AFTER DELETE ON contacts
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION vermerk_idempotent_answers_forget();

-- +goose Down
DROP TRIGGER contacts_forget_idempotent_answers ON contacts;
DROP FUNCTION vermerk_idempotent_answers_forget();
DROP TABLE idempotent_requests;
