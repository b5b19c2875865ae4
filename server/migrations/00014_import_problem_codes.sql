-- Each import problem carries a stable code (EMAIL_NO_AT, …) that clients word in their own
-- language, and the column it concerns.
-- +goose Up
ALTER TABLE import_problems
    ADD COLUMN code  text NOT NULL DEFAULT 'ROW_INVALID' CHECK (code ~ '^[A-Z][A-Z0-9_]*$'),
    ADD COLUMN field text;
ALTER TABLE import_problems ALTER COLUMN code DROP DEFAULT;

-- +goose Down
ALTER TABLE import_problems DROP COLUMN field, DROP COLUMN code;
