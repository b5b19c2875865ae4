-- The blacklist of erased and manually blocked people, as keyed hashes only, and the
-- PII-free proofs of erasures.
-- +goose Up

-- An entry never holds an identifier in clear text: its hashes are HMAC-SHA-256 under the
-- key key_id of kind + ":" + normalised identifier (screening package). A removed entry
-- keeps its row (removed_at set) and loses its hashes, so it matches nothing any more.
CREATE TABLE blacklist_entries (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    source           text NOT NULL CHECK (source IN ('ERASURE', 'MANUAL')),
    reason           text NOT NULL CHECK (reason <> ''),
    key_id           text NOT NULL,
    identifier_kinds text[] NOT NULL, -- subset of EMAIL, PHONE, NAME_AND_ADDRESS
    created_at       timestamptz NOT NULL DEFAULT now(),
    removed_at       timestamptz,
    CONSTRAINT blacklist_entries_kinds CHECK (identifier_kinds <@ ARRAY['EMAIL', 'PHONE', 'NAME_AND_ADDRESS'])
);
-- the listing: active entries, newest first (keyset on created_at, id)
CREATE INDEX blacklist_entries_active ON blacklist_entries (created_at DESC, id DESC) WHERE removed_at IS NULL;

-- The kind is part of the HMAC input, so a lookup is `hash = ANY($1)` on the primary key.
CREATE TABLE blacklist_hashes (
    entry_id uuid NOT NULL REFERENCES blacklist_entries (id) ON DELETE CASCADE,
    kind     text NOT NULL CHECK (kind IN ('EMAIL', 'PHONE', 'NAME_AND_ADDRESS')),
    key_id   text NOT NULL,
    hash     bytea NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (hash, entry_id)
);
-- removing an entry deletes its hashes
CREATE INDEX blacklist_hashes_entry ON blacklist_hashes (entry_id);

-- Proof that a contact was erased: when, by whom (token), why, and which blacklist entry
-- keeps the person out. No personal data; append-only like the audit trail.
CREATE TABLE erasures (
    contact_id         uuid PRIMARY KEY, -- the contact is gone: no foreign key
    erased_at          timestamptz NOT NULL DEFAULT now(),
    erased_by_id       text NOT NULL,
    erased_by_name     text NOT NULL,
    reason             text NOT NULL CHECK (reason <> ''),
    blacklist_entry_id uuid NOT NULL REFERENCES blacklist_entries (id)
);
CREATE INDEX erasures_entry ON erasures (blacklist_entry_id);

CREATE TRIGGER erasures_append_only BEFORE UPDATE OR DELETE ON erasures
    FOR EACH ROW EXECUTE FUNCTION vermerk_append_only();

-- +goose Down
DROP TABLE erasures;
DROP TABLE blacklist_hashes;
DROP TABLE blacklist_entries;
