-- 0003: camera credentials (docs/design/recording.md). The password of a camera's source is
-- never in the registry: it is sealed (AES-256-GCM) under the master key, bound to the
-- camera ID and user, and re-sealed when the master key is rotated.
CREATE TABLE camera_secrets (
    camera_id     TEXT    PRIMARY KEY,
    user          TEXT    NOT NULL,
    sealed        BLOB    NOT NULL,
    master_key_id TEXT    NOT NULL,
    updated_ns    INTEGER NOT NULL
);
