-- The erasure of a person forgets what requests filed without a contact quote of her
-- (blacklist.forgetRequestTexts): besides the note and the channel (00045), the outcome and
-- extension reason that close or extend such a request, and the reasons of the request's audit
-- rows, which repeat them — written while staff were still searching for her record, they could
-- not be checked against her. A replaced outcome or extension reason forgets the kept answers
-- that quoted it, as a replaced note does (vermerk_quoted_text_replaced); the first one written
-- replaces nothing. The audit rows of those operations without a contact are indexed for it.
-- +goose Up
DROP TRIGGER request_text_replaced ON data_subject_requests;
CREATE TRIGGER request_text_replaced BEFORE UPDATE OF note, channel, outcome, extension_reason ON data_subject_requests
    FOR EACH ROW WHEN (OLD.note IS DISTINCT FROM NEW.note OR OLD.channel IS DISTINCT FROM NEW.channel
        OR (OLD.outcome IS NOT NULL AND OLD.outcome IS DISTINCT FROM NEW.outcome)
        OR (OLD.extension_reason IS NOT NULL AND OLD.extension_reason IS DISTINCT FROM NEW.extension_reason))
    EXECUTE FUNCTION vermerk_quoted_text_replaced();
CREATE INDEX audit_log_loose_request_reasons ON audit_log (target_id)
    WHERE contact_id IS NULL AND reason IS NOT NULL AND operation IN ('extendRequest', 'rejectRequest', 'completeRequest');

-- +goose Down
DROP INDEX audit_log_loose_request_reasons;
DROP TRIGGER request_text_replaced ON data_subject_requests;
CREATE TRIGGER request_text_replaced BEFORE UPDATE OF note, channel ON data_subject_requests
    FOR EACH ROW WHEN (OLD.note IS DISTINCT FROM NEW.note OR OLD.channel IS DISTINCT FROM NEW.channel)
    EXECUTE FUNCTION vermerk_quoted_text_replaced();
