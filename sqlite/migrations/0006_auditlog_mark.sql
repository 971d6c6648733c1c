-- 0006: the access log's high-water mark (auditlog.Mark, docs/design/auditlog.md): the
-- last record written and the newest checkpoint signed, kept here, outside the log
-- directory, so that records removed from the end of the log (with checkpoints.log, or
-- the whole directory) are noticed by the next writer and by 'audit verify'. One row;
-- writers only raise it (each part by its seq); 'audit accept-loss' replaces it.
CREATE TABLE auditlog_mark (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    seq        INTEGER NOT NULL CHECK (seq >= 0),
    hash       BLOB    NOT NULL CHECK (length(hash) = 32),
    time_ns    INTEGER NOT NULL,
    cp_seq     INTEGER NOT NULL DEFAULT 0 CHECK (cp_seq >= 0),
    cp_text    TEXT    NOT NULL DEFAULT '' -- the checkpoint's text form; '' when none
);
