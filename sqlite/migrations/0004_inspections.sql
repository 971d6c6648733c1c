-- 0004: the periodic inspection record (정상작동 점검, docs/design/recording.md): every
-- inspection with its result per camera, append-only.
CREATE TABLE inspections (
    id         INTEGER PRIMARY KEY,
    at_ns      INTEGER NOT NULL,
    inspector  TEXT    NOT NULL,
    from_ns    INTEGER NOT NULL,
    to_ns      INTEGER NOT NULL,
    normal     INTEGER NOT NULL CHECK (normal IN (0, 1)),
    note       TEXT    NOT NULL DEFAULT '',
    cameras    TEXT    NOT NULL -- JSON array of custodian.InspectionCamera
);
CREATE TRIGGER inspections_no_update BEFORE UPDATE ON inspections
BEGIN SELECT RAISE(ABORT, 'inspections are append-only'); END;
CREATE TRIGGER inspections_no_delete BEFORE DELETE ON inspections
BEGIN SELECT RAISE(ABORT, 'inspections are append-only'); END;
