-- Each contact e-mail and phone keeps its keyed hash beside it: the same HMAC-SHA-256 of
-- kind + ":" + normalised identifier that blacklist_hashes holds, under the current key
-- (key_id). recipients and Contact.blocked then find a blocked contact by index probes of
-- blacklist_hashes with these hashes, never by hashing at read time. A migration cannot know
-- the key: the server fills hash and key_id at startup (blacklist.HashAllIdentifiers) for
-- rows written before, and whenever the current key changes; every write path fills them itself, and a
-- sweep every 30 seconds catches any writer that did not. Until then a row's hash is NULL,
-- and recipients treats the contact as blocked (fail closed).
-- +goose Up
ALTER TABLE contact_emails
    ADD COLUMN hash   bytea CONSTRAINT contact_emails_hash_size CHECK (length(hash) = 32),
    ADD COLUMN key_id text,
    ADD CONSTRAINT contact_emails_hash_key CHECK ((hash IS NULL) = (key_id IS NULL));
ALTER TABLE contact_phones
    ADD COLUMN hash   bytea CONSTRAINT contact_phones_hash_size CHECK (length(hash) = 32),
    ADD COLUMN key_id text,
    ADD CONSTRAINT contact_phones_hash_key CHECK ((hash IS NULL) = (key_id IS NULL));

-- recipients reads a contact's e-mails and phones by the primary key (contact_id, position)
-- anyway; the hash comes with them and is probed in blacklist_hashes' primary key, so no
-- further index is needed (nor maintained by every import).

-- rows without a hash (none, normally): the server's sweep finds them (blacklist.HashUnhashed)
CREATE INDEX contact_emails_unhashed ON contact_emails (contact_id) WHERE key_id IS NULL;
CREATE INDEX contact_phones_unhashed ON contact_phones (contact_id) WHERE key_id IS NULL;

-- +goose Down
DROP INDEX contact_phones_unhashed;
DROP INDEX contact_emails_unhashed;
ALTER TABLE contact_phones DROP CONSTRAINT contact_phones_hash_key, DROP COLUMN key_id, DROP COLUMN hash;
ALTER TABLE contact_emails DROP CONSTRAINT contact_emails_hash_key, DROP COLUMN key_id, DROP COLUMN hash;
