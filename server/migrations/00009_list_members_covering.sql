-- recipients joins list memberships by contact id; with the list id included, that join is an
-- index-only scan too, whichever of the two indexes the planner picks.
-- +goose Up
CREATE INDEX list_members_contact_list ON list_members (contact_id) INCLUDE (list_id);
DROP INDEX list_members_contact;

-- +goose Down
CREATE INDEX list_members_contact ON list_members (contact_id);
DROP INDEX list_members_contact_list;
