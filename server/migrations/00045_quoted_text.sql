-- A kept answer (00043) may quote text that names no contact, so forgetting kept answers with
-- a deleted contact does not reach it: an import's file as startImport and decideImportRow
-- answer with it (the rows held for a decision, the problems of invalid rows, the file name,
-- the header cells the importer did not know) and a data-subject request's note and channel.
-- That text is deleted or replaced on its own (a held row decided, or dropped with an erased
-- person; problems that quote her, a file name or a request's note that names her; an
-- import's quotes expiring), and a kept answer that quoted it goes with it: every such change
-- counts one more in the row's quotes_dropped and forgets the kept answers that name the row
-- (idempotent_requests.contact_ids holds every id an answer names, not only contacts').
-- store.Idempotency.Keep keeps an answer only while each row it read has the count it read,
-- so an answer read just before a change is not kept after it.
-- +goose Up
ALTER TABLE import_jobs ADD COLUMN quotes_dropped bigint NOT NULL DEFAULT 0;
ALTER TABLE data_subject_requests ADD COLUMN quotes_dropped bigint NOT NULL DEFAULT 0;

-- +goose StatementBegin
CREATE FUNCTION vermerk_import_quotes_dropped(jobs uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- the count first: its row lock waits for a Keep that holds the job (FOR SHARE), and the
    -- answers are read after it, kept answer included
    UPDATE import_jobs SET quotes_dropped = quotes_dropped + 1 WHERE id = ANY (jobs);
    UPDATE idempotent_requests SET response = NULL, digest = NULL, contact_ids = '{}'
        WHERE contact_ids && jobs;
END $$;

CREATE FUNCTION vermerk_import_rows_dropped() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM vermerk_import_quotes_dropped(ARRAY(SELECT DISTINCT job_id FROM gone));
    RETURN NULL;
END $$;

-- a row's text replaced (an import's file name or columns, a request's note or channel)
CREATE FUNCTION vermerk_quoted_text_replaced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.quotes_dropped := OLD.quotes_dropped + 1;
    UPDATE idempotent_requests SET response = NULL, digest = NULL, contact_ids = '{}'
        WHERE contact_ids && ARRAY[NEW.id];
    RETURN NEW;
END $$;
-- +goose StatementEnd

CREATE TRIGGER import_held_dropped AFTER DELETE ON import_held
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION vermerk_import_rows_dropped();
CREATE TRIGGER import_problems_dropped AFTER DELETE ON import_problems
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION vermerk_import_rows_dropped();
CREATE TRIGGER import_names_replaced BEFORE UPDATE OF file_name, unknown_columns ON import_jobs
    FOR EACH ROW WHEN (OLD.file_name IS DISTINCT FROM NEW.file_name OR OLD.unknown_columns IS DISTINCT FROM NEW.unknown_columns)
    EXECUTE FUNCTION vermerk_quoted_text_replaced();
CREATE TRIGGER request_text_replaced BEFORE UPDATE OF note, channel ON data_subject_requests
    FOR EACH ROW WHEN (OLD.note IS DISTINCT FROM NEW.note OR OLD.channel IS DISTINCT FROM NEW.channel)
    EXECUTE FUNCTION vermerk_quoted_text_replaced();

-- +goose Down
DROP TRIGGER request_text_replaced ON data_subject_requests;
DROP TRIGGER import_names_replaced ON import_jobs;
DROP TRIGGER import_problems_dropped ON import_problems;
DROP TRIGGER import_held_dropped ON import_held;
DROP FUNCTION vermerk_quoted_text_replaced();
DROP FUNCTION vermerk_import_rows_dropped();
DROP FUNCTION vermerk_import_quotes_dropped(uuid[]);
ALTER TABLE data_subject_requests DROP COLUMN quotes_dropped;
ALTER TABLE import_jobs DROP COLUMN quotes_dropped;
