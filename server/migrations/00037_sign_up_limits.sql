-- The per-address limit of sign-ups (5 an hour) is kept in the database, so that it holds for
-- the address however many instances a web form's requests are spread over.
-- +goose Up

-- One row per address signed up lately: a keyed hash of the normalised address (never the
-- address) and when its allowance is full again (each sign-up moves it on by an hour divided
-- by the limit; a sign-up that would move it more than an hour ahead is refused). Rows whose
-- time has passed are deleted with the expired sign-ups.
CREATE TABLE sign_up_limits (
    address_key bytea PRIMARY KEY,
    full_at     timestamptz NOT NULL
);
CREATE INDEX sign_up_limits_full_at ON sign_up_limits (full_at);

-- +goose Down
DROP TABLE sign_up_limits;
