-- The reasons audited for a record that were checked against the person's records when they
-- were written (store.RefuseQuoting) — an override's (the createContact, updateContact and
-- decideImportRow rows of a record the blacklist matched) and a merge's — are read by the
-- record when a record joins a person (store.ScrubRecordReasons, on every write of an e-mail
-- or phone): a reason quoting a record that became hers after it was written is blanked. Only
-- those rows pay for the index; the person's other audit rows are not read.
-- +goose Up
CREATE INDEX audit_log_record_reasons ON audit_log (contact_id)
    WHERE reason IS NOT NULL AND operation IN ('createContact', 'updateContact', 'decideImportRow', 'mergeContacts');

-- +goose Down
DROP INDEX audit_log_record_reasons;
