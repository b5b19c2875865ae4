-- The override reasons audited for a record (the createContact, updateContact and
-- decideImportRow rows of a record the blacklist matched) are read by the record when a record
-- joins a person (store.ScrubOverrideReasons, on every write of an e-mail or phone): a reason
-- quoting a record that became hers after it was written is blanked. Only those rows pay for
-- the index; the person's other audit rows are not read.
-- +goose Up
CREATE INDEX audit_log_override_reasons ON audit_log (contact_id)
    WHERE reason IS NOT NULL AND operation IN ('createContact', 'updateContact', 'decideImportRow');

-- +goose Down
DROP INDEX audit_log_override_reasons;
