-- 0002: the vault's catalog (docs/design/vault.md).
--
-- Times are Unix nanoseconds (UTC); periods are KST dates as YYYY-MM-DD. The database runs
-- with secure_delete on, so a destroyed key's bytes are overwritten in the file.

CREATE TABLE vault_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- A data key, stored only wrapped by the master key; wrapped is NULL once destroyed.
CREATE TABLE data_keys (
    id            TEXT    PRIMARY KEY,
    kind          TEXT    NOT NULL CHECK (kind IN ('period', 'hold')),
    camera_id     TEXT    NOT NULL,
    period        TEXT,                 -- YYYY-MM-DD for period keys
    hold_id       INTEGER,              -- for hold keys
    expires_ns    INTEGER,              -- period keys: when the footage must be destroyed
    wrapped       BLOB,
    master_key_id TEXT    NOT NULL,
    created_ns    INTEGER NOT NULL,
    destroyed_ns  INTEGER,
    CHECK ((wrapped IS NULL) = (destroyed_ns IS NOT NULL))
);
CREATE UNIQUE INDEX data_keys_period ON data_keys (camera_id, period) WHERE kind = 'period';
CREATE INDEX data_keys_expiry ON data_keys (expires_ns) WHERE destroyed_ns IS NULL AND kind = 'period';

-- A segment of footage. Rows in state 'writing' are intents: recovery removes them.
-- The table is clustered by its ID, which begins with a hash of the camera and the start
-- time (vault.segmentID), so the segments of one camera and day lie together: destroying a
-- key touches a few pages, however much else is kept.
CREATE TABLE segments (
    id              TEXT    PRIMARY KEY,
    camera_id       TEXT    NOT NULL,
    start_ns        INTEGER NOT NULL,
    end_ns          INTEGER NOT NULL,
    key_id          TEXT    NOT NULL REFERENCES data_keys (id),
    path            TEXT    NOT NULL UNIQUE,
    plain_size      INTEGER NOT NULL DEFAULT 0,
    stored_size     INTEGER NOT NULL DEFAULT 0,
    sha256          BLOB,
    created_ns      INTEGER NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('writing', 'ok')),
    retention_class TEXT    NOT NULL DEFAULT '',
    CHECK (end_ns >= start_ns)
) WITHOUT ROWID;
CREATE INDEX segments_camera_start ON segments (camera_id, start_ns);
CREATE INDEX segments_key ON segments (key_id);
CREATE INDEX segments_writing ON segments (state) WHERE state = 'writing';

-- Files or directories to remove; record is the destruction record (JSON) to write when
-- they are gone, or NULL.
CREATE TABLE garbage (
    path   TEXT PRIMARY KEY,
    record TEXT
);

CREATE TABLE holds (
    id          INTEGER PRIMARY KEY,
    camera_id   TEXT    NOT NULL,
    from_ns     INTEGER NOT NULL,
    to_ns       INTEGER NOT NULL,
    reason      TEXT    NOT NULL,
    until       TEXT,                 -- YYYY-MM-DD (KST), or NULL
    key_id      TEXT    NOT NULL REFERENCES data_keys (id),
    created_ns  INTEGER NOT NULL,
    created_by  TEXT    NOT NULL,
    released_ns INTEGER,
    released_by TEXT,
    CHECK (to_ns > from_ns)
);
CREATE INDEX holds_active ON holds (camera_id, from_ns) WHERE released_ns IS NULL;

-- The destruction record (파기 기록). Append-only.
CREATE TABLE destructions (
    id       INTEGER PRIMARY KEY,
    at_ns    INTEGER NOT NULL,
    camera_id TEXT   NOT NULL,
    from_ns  INTEGER NOT NULL,
    to_ns    INTEGER NOT NULL,
    segments INTEGER NOT NULL,
    bytes    INTEGER NOT NULL,
    method   TEXT    NOT NULL,
    actor    TEXT    NOT NULL,
    key_id   TEXT    NOT NULL,
    reason   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX destructions_at ON destructions (at_ns);
CREATE TRIGGER destructions_no_update BEFORE UPDATE ON destructions
BEGIN SELECT RAISE(ABORT, 'the destruction record is append-only'); END;
CREATE TRIGGER destructions_no_delete BEFORE DELETE ON destructions
BEGIN SELECT RAISE(ABORT, 'the destruction record is append-only'); END;
