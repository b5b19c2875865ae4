-- Bulk imports of CSV address lists: jobs with their counters and crash checkpoint, the rows
-- held for a decision because they matched the blacklist, and the reported problems. (Each
-- batch passes through a session-private temporary table; see importer/batch.go.)
-- +goose Up

-- A job commits batch by batch; checkpoint_line is the last physical line whose row is
-- committed, in the same transaction as the rows, so a crashed import resumes there.
CREATE TABLE import_jobs (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    status           text NOT NULL CHECK (status IN ('RUNNING', 'NEEDS_DECISION', 'DONE', 'FAILED')),
    file_name        text NOT NULL,
    file_size        bigint NOT NULL CHECK (file_size >= 0),
    spool_file       text NOT NULL, -- name of the uploaded copy in the data directory, while RUNNING
    list_id          uuid REFERENCES distribution_lists (id) ON DELETE SET NULL,
    list_key         text,
    encoding         text NOT NULL,
    separator        text NOT NULL,
    unknown_columns  text[] NOT NULL DEFAULT '{}',
    total            int NOT NULL DEFAULT 0,
    processed        int NOT NULL DEFAULT 0,
    inserted         int NOT NULL DEFAULT 0,
    duplicates       int NOT NULL DEFAULT 0,
    held             int NOT NULL DEFAULT 0 CHECK (held >= 0), -- rows still waiting for a decision
    invalid          int NOT NULL DEFAULT 0,
    problem_count    int NOT NULL DEFAULT 0, -- all problems found; only the first ones are stored
    checkpoint_line  int NOT NULL DEFAULT 0,
    checkpoint_bytes bigint NOT NULL DEFAULT 0,
    message          text,
    created_by_id    text NOT NULL,
    created_by_name  text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT import_jobs_failed_message CHECK (status <> 'FAILED' OR message IS NOT NULL)
);
CREATE INDEX import_jobs_running ON import_jobs (created_at) WHERE status = 'RUNNING';

-- Problems quote what the uploader typed in the row (e.g. an unreadable e-mail); they are shown
-- only on the job and deleted with it.
CREATE TABLE import_problems (
    job_id  uuid NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
    seq     int  NOT NULL,
    line    int  NOT NULL,
    message text NOT NULL,
    PRIMARY KEY (job_id, seq)
);

-- A row that matched the blacklist by e-mail or phone, as entered and as it would be written,
-- until someone accepts it (written as a contact) or drops it; either way the row is deleted.
CREATE TABLE import_held (
    job_id       uuid NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
    line         int  NOT NULL,
    field        text NOT NULL CHECK (field IN ('EMAIL', 'PHONE')),
    entry_id     uuid NOT NULL REFERENCES blacklist_entries (id) ON DELETE CASCADE,
    -- as entered (shown to staff)
    raw_email    text NOT NULL,
    raw_phone    text NOT NULL,
    -- as it would be written
    given_name   text NOT NULL,
    family_name  text NOT NULL,
    organization text,
    street       text,
    postal_code  text,
    city         text,
    country      text,
    emails       text[] NOT NULL,
    emails_norm  text[] NOT NULL,
    phones       text[] NOT NULL,
    sort_key     text NOT NULL,
    search_text  text NOT NULL,
    dedupe_keys  text[] NOT NULL, -- 'e:'||normalised e-mail, 'p:'||E.164: later rows of the file with one of them are duplicates
    PRIMARY KEY (job_id, line)
);
CREATE INDEX import_held_keys ON import_held USING gin (dedupe_keys);
CREATE INDEX import_held_entry ON import_held (entry_id);

-- +goose Down
DROP TABLE import_held;
DROP TABLE import_problems;
DROP TABLE import_jobs;
