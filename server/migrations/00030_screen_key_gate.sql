-- vermerk_screens_with gates the blacklist lookup (blacklist.matchHashes, the one lookup every
-- screening runs: the screen query, screened writes, import batches). It raises VK001 when the
-- database's recorded current secret key is not among key_ids, the keys of the server asking:
-- another instance rotated the key, and this server would not recognise the entries made with
-- the new one, so its "no match" could let an erased person through. Writes check the key
-- under the blacklist lock already; this covers reads too, in the lookup's own snapshot (a
-- rotation is recorded before any entry is made with the new key, so a snapshot without the
-- record holds no such entry). Without a key in key_ids' sense recorded (before the first
-- start's record) it passes. The planner evaluates it once per statement (it has no column
-- arguments), a probe of a one-row table.
-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION vermerk_screens_with(key_ids text[]) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
DECLARE
    cur text;
BEGIN
    SELECT key_id INTO cur FROM current_secret_key;
    IF cur IS NULL OR cur = ANY (key_ids) THEN
        RETURN true;
    END IF;
    RAISE EXCEPTION 'this database''s instances hash with the secret key with id %, which this server does not have', cur
        USING ERRCODE = 'VK001';
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION vermerk_screens_with(text[]);
