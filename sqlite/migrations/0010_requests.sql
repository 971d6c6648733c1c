-- 0010: the data-subject request workflow (docs/design/requests.md, docs/SCHEMA.md, migration
-- 10). subject_requests is rebuilt (SQLite cannot change a CHECK constraint): more channels
-- (mail, phone, fax), the postponed status, and the fields of the workflow: proxy, identity
-- check, preservation holds, postponements, decision with grounds, existence answer, deletion
-- outcome, delivery, fee, closing. version is the optimistic-concurrency counter: every update
-- names the version it read, so two deciders cannot both decide. request_events is the
-- request's history, append-only.
CREATE TABLE subject_requests_new (
    id                INTEGER PRIMARY KEY,
    code              TEXT    NOT NULL UNIQUE,
    kind              TEXT    NOT NULL CHECK (kind IN ('view', 'existence', 'deletion')),
    name              TEXT    NOT NULL,
    contact           TEXT    NOT NULL,
    from_ns           INTEGER NOT NULL,
    to_ns             INTEGER NOT NULL,
    place             TEXT    NOT NULL DEFAULT '',
    camera            TEXT    NOT NULL DEFAULT '',
    purpose           TEXT    NOT NULL,
    relationship      TEXT    NOT NULL DEFAULT '', -- a proxy's (대리인) relation to the subject
    proxy_document    TEXT    NOT NULL DEFAULT '', -- the document the proxy showed (위임장)
    channel           TEXT    NOT NULL CHECK (channel IN ('portal', 'desk', 'mail', 'phone', 'fax')),
    filed_ns          INTEGER NOT NULL,
    due               TEXT    NOT NULL, -- YYYY-MM-DD (KST); moved by a postponement
    status            TEXT    NOT NULL CHECK (status IN ('received', 'reviewing', 'postponed', 'decided', 'closed', 'withdrawn')),
    updated_ns        INTEGER NOT NULL,
    version           INTEGER NOT NULL DEFAULT 1,
    identity_by       TEXT    NOT NULL DEFAULT '',
    identity_method   TEXT    NOT NULL DEFAULT '' CHECK (identity_method IN ('', 'in_person', 'video_call', 'documents')),
    identity_ns       INTEGER NOT NULL DEFAULT 0,
    identity_note     TEXT    NOT NULL DEFAULT '', -- never an image: what was seen ("주민등록증")
    hold_cameras      TEXT    NOT NULL DEFAULT '[]', -- JSON array of camera IDs held
    hold_ids          TEXT    NOT NULL DEFAULT '[]', -- JSON array of vault hold IDs
    hold_margin_ns    INTEGER NOT NULL DEFAULT 0,
    hold_release      TEXT    NOT NULL DEFAULT '', -- YYYY-MM-DD: when Sweep releases the holds
    holds_released_ns INTEGER NOT NULL DEFAULT 0,
    postponements     TEXT    NOT NULL DEFAULT '[]', -- JSON array of custodian.Postponement
    decision          TEXT    NOT NULL DEFAULT '' CHECK (decision IN ('', 'allow', 'partial', 'refuse')),
    grounds           TEXT    NOT NULL DEFAULT '[]', -- JSON array of ground IDs (custodian.RefusalGrounds)
    decided_ns        INTEGER NOT NULL DEFAULT 0,
    decided_by        TEXT    NOT NULL DEFAULT '',
    note              TEXT    NOT NULL DEFAULT '', -- what the requester is told
    objection         TEXT    NOT NULL DEFAULT '', -- how to object (이의제기 방법)
    existence         TEXT    NOT NULL DEFAULT '', -- JSON custodian.ExistenceAnswer, '' until answered
    deletion          TEXT    NOT NULL DEFAULT '', -- JSON custodian.DeletionOutcome
    delivery          TEXT    NOT NULL DEFAULT '', -- JSON custodian.Delivery
    fee               INTEGER NOT NULL DEFAULT 0 CHECK (fee >= 0), -- won, actual cost
    closed_ns         INTEGER NOT NULL DEFAULT 0,
    closed_by         TEXT    NOT NULL DEFAULT ''
);
INSERT INTO subject_requests_new (id, code, kind, name, contact, from_ns, to_ns, place, camera, purpose, relationship, channel,
    filed_ns, due, status, updated_ns, decision, grounds, note)
SELECT id, code, kind, name, contact, from_ns, to_ns, place, camera, purpose, relationship, channel,
    filed_ns, due, status, updated_ns,
    CASE WHEN decision IN ('allow', 'partial', 'refuse') THEN decision ELSE '' END,
    CASE WHEN ground = '' THEN '[]' ELSE json_array(ground) END, note
FROM subject_requests;
DROP TABLE subject_requests;
ALTER TABLE subject_requests_new RENAME TO subject_requests;
CREATE INDEX subject_requests_status ON subject_requests (status, due);
CREATE INDEX subject_requests_release ON subject_requests (hold_release) WHERE holds_released_ns = 0 AND hold_release <> '';

CREATE TABLE request_events (
    id      INTEGER PRIMARY KEY,
    request INTEGER NOT NULL REFERENCES subject_requests (id),
    at_ns   INTEGER NOT NULL,
    actor   TEXT    NOT NULL,
    action  TEXT    NOT NULL, -- "file", "identify", "hold", "postpone", "decide", ...
    detail  TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX request_events_request ON request_events (request, id);
CREATE TRIGGER request_events_no_update BEFORE UPDATE ON request_events
BEGIN SELECT RAISE(ABORT, 'request events are never changed'); END;
CREATE TRIGGER request_events_no_delete BEFORE DELETE ON request_events
BEGIN SELECT RAISE(ABORT, 'request events are never deleted'); END;
