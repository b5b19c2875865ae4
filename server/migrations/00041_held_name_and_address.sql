-- An import holds a row that matches the blacklist by name and address too (until now it was
-- imported with a NAME_AND_ADDRESS_MATCH problem line: a person known by her postal address
-- only, erased on request, came back with the next bought address list unless someone read
-- the job's problems). The held row names the match that holds it.
-- +goose Up
ALTER TABLE import_held DROP CONSTRAINT import_held_field_check;
ALTER TABLE import_held ADD CONSTRAINT import_held_field_check
    CHECK (field IN ('EMAIL', 'PHONE', 'NAME_AND_ADDRESS'));

-- +goose Down
-- The rows held by name and address go, undecided: the older version would have imported
-- them, and cannot hold them. Their jobs count them decided (a job waiting for nothing else is
-- DONE).
WITH gone AS (DELETE FROM import_held WHERE field = 'NAME_AND_ADDRESS' RETURNING job_id),
     n AS (SELECT job_id, count(*)::int AS c FROM gone GROUP BY job_id)
UPDATE import_jobs j SET held = j.held - n.c, updated_at = now(),
    status = CASE WHEN j.status = 'NEEDS_DECISION' AND j.held = n.c THEN 'DONE' ELSE j.status END
FROM n WHERE j.id = n.job_id;
ALTER TABLE import_held DROP CONSTRAINT import_held_field_check;
ALTER TABLE import_held ADD CONSTRAINT import_held_field_check CHECK (field IN ('EMAIL', 'PHONE'));
