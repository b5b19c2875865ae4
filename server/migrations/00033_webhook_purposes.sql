-- A webhook may be bound to purposes, as an integrator's token is (DESIGN rule 2): an event
-- naming another purpose is not sent to it. NULL: every purpose (an admin's own endpoint).
-- Purposes are never deleted, so the ids need no foreign key.
-- +goose Up
ALTER TABLE webhooks ADD COLUMN purpose_ids uuid[] CHECK (cardinality(purpose_ids) > 0);

-- +goose Down
ALTER TABLE webhooks DROP COLUMN purpose_ids;
