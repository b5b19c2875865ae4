-- Data-subject requests (Art. 15–21 GDPR) with their deadline (Art. 12(3)): one month after
-- the request arrived, extendable to three months with a reason (package requests).
-- +goose Up
CREATE TABLE data_subject_requests (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind             text NOT NULL CHECK (kind IN ('ACCESS', 'ERASURE', 'RECTIFICATION', 'RESTRICTION', 'OBJECTION', 'PORTABILITY')),
    status           text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'DONE', 'REJECTED')),
    -- No foreign key: the request is kept as proof after its person was erased.
    contact_id       uuid,
    received_at      timestamptz NOT NULL,
    due_at           timestamptz NOT NULL,
    extended_to      timestamptz,
    extension_reason text,
    channel          text NOT NULL CHECK (btrim(channel) <> ''),
    -- staff's note; blanked when the person is erased or deleted (it may name them)
    note             text,
    closed_at        timestamptz,
    outcome          text,
    -- ACCESS and PORTABILITY: when the export was handed over, and its SHA-256 as proof of what
    handed_over_at   timestamptz,
    export_sha256    bytea,
    filed_by_id      text NOT NULL,
    filed_by_name    text NOT NULL,
    -- which falling-due events were sent for the deadline in force (reset by an extension)
    due_soon_sent_at timestamptz,
    overdue_sent_at  timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT data_subject_requests_due CHECK (due_at > received_at),
    CONSTRAINT data_subject_requests_extension CHECK (extended_to IS NULL OR
        (extended_to > due_at AND extended_to <= received_at + interval '3 months' + interval '1 day'
         AND btrim(coalesce(extension_reason, '')) <> '')),
    CONSTRAINT data_subject_requests_closed CHECK ((status = 'OPEN') = (closed_at IS NULL)
        AND (status = 'OPEN' OR btrim(coalesce(outcome, '')) <> ''))
);
-- requests(…) and the deadline watch: open requests by the deadline in force
CREATE INDEX data_subject_requests_open_due ON data_subject_requests ((coalesce(extended_to, due_at)), id) WHERE status = 'OPEN';
CREATE INDEX data_subject_requests_due ON data_subject_requests ((coalesce(extended_to, due_at)), id);
-- retention: an open request holds its contact
CREATE INDEX data_subject_requests_contact ON data_subject_requests (contact_id) WHERE contact_id IS NOT NULL;

-- A note may name the person: it goes when their contact is erased or deleted by retention
-- (both delete in erasure mode, SET LOCAL vermerk.erasure = 'on'); the request stays as proof.
-- +goose StatementBegin
CREATE FUNCTION vermerk_request_notes_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('vermerk.erasure', true) = 'on' THEN
        UPDATE data_subject_requests SET note = NULL WHERE contact_id = OLD.id AND note IS NOT NULL;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER contacts_forget_request_notes AFTER DELETE ON contacts
    FOR EACH ROW EXECUTE FUNCTION vermerk_request_notes_forget();

-- +goose Down
DROP TRIGGER contacts_forget_request_notes ON contacts;
DROP FUNCTION vermerk_request_notes_forget();
DROP TABLE data_subject_requests;
