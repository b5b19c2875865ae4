-- A held import row shows every match of its screening, not only the one that holds it: the
-- import keeps them all (shown_entries), and with each entry what matched it (shown_fields,
-- element by element: an entry matched by e-mail and by phone is there twice), so heldRows
-- lists them and the first acceptance, made knowing them, covers them. NULL: the row shows
-- only field and entry_id (held before this; a row refused between 00047 and this lists only
-- those, though its acceptance covers every shown entry).
-- +goose Up
ALTER TABLE import_held ADD COLUMN shown_fields text[],
    ADD CONSTRAINT import_held_shown_fields_check CHECK (shown_fields IS NULL OR (
        shown_entries IS NOT NULL AND cardinality(shown_fields) = cardinality(shown_entries)
        AND shown_fields <@ ARRAY['EMAIL', 'PHONE', 'NAME_AND_ADDRESS']));

-- +goose Down
ALTER TABLE import_held DROP COLUMN shown_fields;
