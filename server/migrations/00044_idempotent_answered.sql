-- When the first request under an Idempotency-Key was answered (store.Idempotency.Keep), also
-- when its answer was not kept (it named a person erased meanwhile, or was too large): a request
-- sent again then hears at once that it was carried out, instead of waiting for an answer that
-- will not be kept. NULL while the first is still being answered (or its server stopped first).
-- +goose Up
ALTER TABLE idempotent_requests ADD COLUMN answered_at timestamptz;

-- +goose Down
ALTER TABLE idempotent_requests DROP COLUMN answered_at;
