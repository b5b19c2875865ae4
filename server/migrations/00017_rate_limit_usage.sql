-- Screening budgets shared between instances: each instance writes, every quarter second, how
-- many screens (and refused contact writes) each token used there, and takes what the other
-- instances wrote from its own bucket for the token, so N instances do not give N times the
-- budget. Unlogged: after a crash the last minute of usage is forgotten, which only refills
-- the buckets.
-- +goose Up
CREATE UNLOGGED TABLE rate_limit_usage (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instance uuid NOT NULL,
    token_id text NOT NULL,
    units    int NOT NULL CHECK (units > 0),
    at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rate_limit_usage_at ON rate_limit_usage (at);

-- +goose Down
DROP TABLE rate_limit_usage;
