-- When the person was told of her request's extension and its reasons (Art. 12(3) GDPR: within
-- one month of receipt). extendRequest refuses an extension told after the request's due date;
-- extensions recorded before this column existed keep NULL (not known).
-- +goose Up
ALTER TABLE data_subject_requests ADD COLUMN extension_told_at timestamptz;

-- +goose Down
ALTER TABLE data_subject_requests DROP COLUMN extension_told_at;
