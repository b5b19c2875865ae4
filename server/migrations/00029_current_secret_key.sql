-- The id of the secret key the instances of this database hash with (VERMERK_SECRET_KEY's).
-- The first start records it; a start that rotates (the recorded key among its old keys, or
-- named lost) records its own. A start whose keys do not include the recorded one refuses
-- (blacklist.CheckCurrentKey): also on an empty database, where neither blacklist entries nor
-- contacts show that it has another key than the instances already running.
-- +goose Up
CREATE TABLE current_secret_key (
    only_row    boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    key_id      text NOT NULL CHECK (key_id ~ '^[0-9a-f]{8}$'),
    recorded_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE current_secret_key;
