-- 0001: the registry and published policy versions.
--
-- registry_revisions holds every saved registry as canonical JSON, append-only: it is the
-- source of truth, and a published policy version points at the revision it came from.
-- The other registry tables are projections of the current revision, rebuilt on every save,
-- so that lists and later features (scopes, recording) can query them.

CREATE TABLE registry_revisions (
    revision   INTEGER PRIMARY KEY,
    saved_at   TEXT    NOT NULL,           -- RFC 3339, UTC
    source     TEXT    NOT NULL,           -- imported file name, or "console"
    sha256     TEXT    NOT NULL,           -- of document
    document   TEXT    NOT NULL            -- canonical JSON of custodian.Registry
);

CREATE TRIGGER registry_revisions_no_update BEFORE UPDATE ON registry_revisions
BEGIN SELECT RAISE(ABORT, 'registry revisions are append-only'); END;
CREATE TRIGGER registry_revisions_no_delete BEFORE DELETE ON registry_revisions
BEGIN SELECT RAISE(ABORT, 'registry revisions are append-only'); END;

CREATE TABLE organisation (
    id          TEXT    PRIMARY KEY,
    name        TEXT    NOT NULL,
    sector      TEXT    NOT NULL,
    homepage    TEXT    NOT NULL DEFAULT '',
    revision    INTEGER NOT NULL REFERENCES registry_revisions (revision)
);

CREATE TABLE sites (
    id                TEXT    PRIMARY KEY,
    ord               INTEGER NOT NULL,
    parent_id         TEXT    REFERENCES sites (id) DEFERRABLE INITIALLY DEFERRED,
    name              TEXT    NOT NULL,
    kind              TEXT    NOT NULL,
    address           TEXT    NOT NULL DEFAULT '',
    stated_total      INTEGER,
    no_cameras_reason TEXT    NOT NULL DEFAULT '',
    cameras_own       INTEGER NOT NULL,  -- cameras in this site's own groups
    cameras_total     INTEGER NOT NULL   -- cameras at this site and every site below it
);

CREATE TABLE purposes (
    id            TEXT    PRIMARY KEY,
    ord           INTEGER NOT NULL,
    name          TEXT    NOT NULL,
    basis_kind    TEXT    NOT NULL,
    basis_item    INTEGER NOT NULL DEFAULT 0,
    basis_law     TEXT    NOT NULL DEFAULT '',
    basis_article TEXT    NOT NULL DEFAULT ''
);

CREATE TABLE retention_classes (
    id               TEXT    PRIMARY KEY,
    ord              INTEGER NOT NULL,
    name             TEXT    NOT NULL,
    filming_hours    TEXT    NOT NULL,
    retention_days   INTEGER NOT NULL DEFAULT 0,
    retention_months INTEGER NOT NULL DEFAULT 0,
    storage_place    TEXT    NOT NULL
);

CREATE TABLE camera_groups (
    id                 TEXT    PRIMARY KEY,
    ord                INTEGER NOT NULL,
    site_id            TEXT    NOT NULL REFERENCES sites (id),
    category           TEXT    NOT NULL DEFAULT '',
    area               TEXT    NOT NULL DEFAULT '',
    count              INTEGER NOT NULL CHECK (count > 0),
    locations          TEXT    NOT NULL,  -- JSON array of strings
    range_text         TEXT    NOT NULL DEFAULT '',
    radius             TEXT    NOT NULL DEFAULT '',
    type               TEXT    NOT NULL DEFAULT '',
    retention_class_id TEXT    NOT NULL REFERENCES retention_classes (id)
);
CREATE INDEX camera_groups_site ON camera_groups (site_id);

CREATE TABLE camera_group_purposes (
    group_id   TEXT    NOT NULL REFERENCES camera_groups (id),
    purpose_id TEXT    NOT NULL REFERENCES purposes (id),
    ord        INTEGER NOT NULL,
    PRIMARY KEY (group_id, purpose_id)
);

CREATE TABLE people (
    id         TEXT    PRIMARY KEY,
    ord        INTEGER NOT NULL,
    name       TEXT    NOT NULL DEFAULT '',
    role       TEXT    NOT NULL,
    rank       TEXT    NOT NULL DEFAULT '',
    department TEXT    NOT NULL DEFAULT '',
    title      TEXT    NOT NULL DEFAULT '',
    phone      TEXT    NOT NULL DEFAULT '',
    email      TEXT    NOT NULL DEFAULT ''
);

CREATE TABLE person_sites (
    person_id TEXT NOT NULL REFERENCES people (id),
    site_id   TEXT NOT NULL REFERENCES sites (id),
    PRIMARY KEY (person_id, site_id)
);

-- A published policy version: immutable once written. Its text is kept as published and
-- its registry snapshot is the revision it points at.
CREATE TABLE policy_versions (
    number            INTEGER PRIMARY KEY,
    announced         TEXT    NOT NULL,   -- YYYY-MM-DD (KST)
    effective         TEXT    NOT NULL,   -- YYYY-MM-DD (KST)
    reason            TEXT    NOT NULL DEFAULT '',
    published_at      TEXT    NOT NULL,   -- RFC 3339, UTC
    published_by      TEXT    NOT NULL DEFAULT '',
    registry_revision INTEGER NOT NULL REFERENCES registry_revisions (revision),
    markdown          TEXT    NOT NULL,
    markdown_sha256   TEXT    NOT NULL,
    CHECK (effective >= announced)
);

CREATE TRIGGER policy_versions_no_update BEFORE UPDATE ON policy_versions
BEGIN SELECT RAISE(ABORT, 'published policy versions are immutable'); END;
CREATE TRIGGER policy_versions_no_delete BEFORE DELETE ON policy_versions
BEGIN SELECT RAISE(ABORT, 'published policy versions are immutable'); END;
