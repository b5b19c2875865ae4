-- A restriction of processing (Art. 18 GDPR) is not an objection: the controller lifts it, after
-- telling the person (Art. 18(3)); her own double opt-in sign-up is her consent to one purpose
-- (Art. 18(2)), not an end of the restriction, and the records stay held from retention. An
-- entry made by completing a RESTRICTION request is marked so; a re-entry ends the others only
-- (blacklist.EndForReentry). Entries made before are left unmarked: which were restrictions is
-- not recorded.
-- +goose Up
ALTER TABLE blacklist_entries ADD COLUMN restriction boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE blacklist_entries DROP COLUMN restriction;
