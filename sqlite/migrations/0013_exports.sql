-- 0013: evidence packages made (issue 12, "Signed exports") and the links that deliver them.
-- An export belongs to at most one data subject's request or provision (0: none); cameras
-- are a JSON array. A download link stores only the SHA-256 of its token; uses counts the
-- downloads begun, never more than max_uses.
CREATE TABLE exports (
    id              TEXT PRIMARY KEY,
    request_id      INTEGER NOT NULL DEFAULT 0,
    provision_id    INTEGER NOT NULL DEFAULT 0,
    cameras         TEXT NOT NULL,
    from_ns         INTEGER NOT NULL,
    to_ns           INTEGER NOT NULL,
    purpose         TEXT NOT NULL,
    recipient       TEXT NOT NULL DEFAULT '',
    created_ns      INTEGER NOT NULL,
    created_by      TEXT NOT NULL,
    path            TEXT NOT NULL,
    manifest_sha256 BLOB NOT NULL,
    size            INTEGER NOT NULL,
    CHECK (to_ns > from_ns),
    CHECK (request_id = 0 OR provision_id = 0)
);
CREATE INDEX exports_request ON exports (request_id) WHERE request_id != 0;
CREATE INDEX exports_provision ON exports (provision_id) WHERE provision_id != 0;

CREATE TABLE download_links (
    id           INTEGER PRIMARY KEY,
    token_sha256 BLOB NOT NULL UNIQUE,
    export_id    TEXT NOT NULL REFERENCES exports (id),
    expires_ns   INTEGER NOT NULL,
    max_uses     INTEGER NOT NULL CHECK (max_uses > 0),
    uses         INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0 AND uses <= max_uses),
    created_ns   INTEGER NOT NULL,
    created_by   TEXT NOT NULL
);
CREATE INDEX download_links_export ON download_links (export_id);
