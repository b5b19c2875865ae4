-- A held import row is decided hours or days after it was held, and the blacklist changes
-- meanwhile. An acceptance covers the entries the one deciding was shown (screening.Unseen):
-- the entry the row was held for, and those a refused acceptance named since, kept here; a
-- match of any other entry at decision time refuses the acceptance (NEW_BLACKLIST_MATCH) and
-- adds itself. NULL: only entry_id was shown.
-- +goose Up
ALTER TABLE import_held ADD COLUMN shown_entries uuid[];

-- +goose Down
ALTER TABLE import_held DROP COLUMN shown_entries;
