-- A revoked API token is an outbox event (kind TOKEN_REVOKED, ref = token id), so every
-- instance drops the token from its cache and closes the token's WebSockets at once.
-- The kind list is extended where it stands, not restated: other migrations add kinds too.
-- +goose Up
-- +goose StatementBegin
DO $$
DECLARE
    def text;
BEGIN
    SELECT pg_get_constraintdef(oid) INTO def FROM pg_constraint
    WHERE conrelid = 'events'::regclass AND conname = 'events_kind_check';
    IF def IS NULL OR position('ARRAY[' IN def) = 0 THEN
        RAISE EXCEPTION 'events_kind_check has an unexpected form: %', def;
    END IF;
    IF position('''TOKEN_REVOKED''' IN def) = 0 THEN
        ALTER TABLE events DROP CONSTRAINT events_kind_check;
        EXECUTE 'ALTER TABLE events ADD CONSTRAINT events_kind_check '
            || replace(def, 'ARRAY[', 'ARRAY[''TOKEN_REVOKED''::text, ');
    END IF;
END $$;
-- +goose StatementEnd

-- +goose Down
DELETE FROM events WHERE kind = 'TOKEN_REVOKED';
-- +goose StatementBegin
DO $$
DECLARE
    def text;
BEGIN
    SELECT pg_get_constraintdef(oid) INTO def FROM pg_constraint
    WHERE conrelid = 'events'::regclass AND conname = 'events_kind_check';
    ALTER TABLE events DROP CONSTRAINT events_kind_check;
    EXECUTE 'ALTER TABLE events ADD CONSTRAINT events_kind_check '
        || replace(def, '''TOKEN_REVOKED''::text, ', '');
END $$;
-- +goose StatementEnd
