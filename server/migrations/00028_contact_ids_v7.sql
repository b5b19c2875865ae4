-- Contacts get time-ordered ids (UUIDv7: the first 48 bits are the time of creation in
-- milliseconds, the rest random) on every way in, as the import already gives them: createContact,
-- a confirmed sign-up and an accepted held import row take the column default. A new key goes
-- to the right edge of the contacts, e-mail and phone primary keys instead of a random page, and
-- contacts created together lie together in the table, so that a page of recipients, read in
-- id order, reads a few table pages instead of one per contact. What an id tells besides: when
-- the record was created. Existing ids stay as they are.
-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION vermerk_uuidv7() RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
    -- gen_random_uuid's version 4 becomes 7 (bits 52 and 53 set); its variant bits stay
    SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
        PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
        FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid
$$;
-- +goose StatementEnd
ALTER TABLE contacts ALTER COLUMN id SET DEFAULT vermerk_uuidv7();

-- +goose Down
ALTER TABLE contacts ALTER COLUMN id SET DEFAULT gen_random_uuid();
DROP FUNCTION vermerk_uuidv7();
