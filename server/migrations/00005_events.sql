-- Event retention: how far the outbox has been pruned, so a subscriber resuming from an older
-- cursor learns that events it missed are gone (gaps in ids alone cannot tell: a rolled-back
-- transaction also leaves one).
-- +goose Up
CREATE TABLE events_pruned (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    -- every event with id <= through_id may have been deleted
    through_id bigint NOT NULL DEFAULT 0 CHECK (through_id >= 0)
);
INSERT INTO events_pruned DEFAULT VALUES;

-- +goose Down
DROP TABLE events_pruned;
