-- 0012: selective deletion (issue 12, requests item 7; docs/design/vault.md, "Selective
-- deletion"). A window of one camera's footage is destroyed irrecoverably: the period key
-- that encrypts it is retired (retired_ns) and a successor key of the same camera and day
-- (replaces = the retired key's ID) takes its place for new and surviving footage, in a
-- directory of its own; the retired key is then destroyed with the window's segments.
-- So the uniqueness of a camera's period key holds only among keys neither damaged nor
-- retired. A deletion is stored as an intent first (deletions), so that an interrupted one
-- is finished by the next run.

ALTER TABLE data_keys ADD COLUMN retired_ns INTEGER;
ALTER TABLE data_keys ADD COLUMN replaces TEXT;
DROP INDEX data_keys_period;
CREATE UNIQUE INDEX data_keys_period ON data_keys (camera_id, period) WHERE kind = 'period' AND damaged_ns IS NULL AND retired_ns IS NULL;

-- A selective deletion: the window asked for, why and by whom; the totals of what was
-- destroyed (the span of the segments destroyed, which may be wider than the window: a
-- segment is destroyed whole); finished_ns once done.
CREATE TABLE deletions (
    id           INTEGER PRIMARY KEY,
    camera_id    TEXT    NOT NULL,
    from_ns      INTEGER NOT NULL,
    to_ns        INTEGER NOT NULL,
    reason       TEXT    NOT NULL,
    actor        TEXT    NOT NULL,
    created_ns   INTEGER NOT NULL,
    finished_ns  INTEGER,
    segments     INTEGER NOT NULL DEFAULT 0,
    bytes        INTEGER NOT NULL DEFAULT 0,
    span_from_ns INTEGER,
    span_to_ns   INTEGER,
    keys         TEXT    NOT NULL DEFAULT '',
    CHECK (to_ns > from_ns)
);
CREATE INDEX deletions_pending ON deletions (camera_id) WHERE finished_ns IS NULL;
