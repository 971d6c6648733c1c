-- 0011: provision to third parties and use beyond purpose (제3자 제공, 목적 외 이용; PIPA
-- Art. 18, Decree Art. 15; docs/design/provisions.md). One row per provision with the
-- decree's fields and its workflow; rows are never deleted (the ledger derives from them).
CREATE TABLE provisions (
    id             INTEGER PRIMARY KEY,
    kind           TEXT    NOT NULL CHECK (kind IN ('provision', 'other_use')),
    agency         TEXT    NOT NULL,
    department     TEXT    NOT NULL DEFAULT '',
    officer        TEXT    NOT NULL DEFAULT '',
    contact        TEXT    NOT NULL DEFAULT '',
    letter_no      TEXT    NOT NULL DEFAULT '',
    letter_date    TEXT    NOT NULL DEFAULT '', -- YYYY-MM-DD (KST) or ''
    ground         INTEGER NOT NULL CHECK (ground BETWEEN 1 AND 10 AND ground <> 4), -- PIPA Art. 18(2) item
    basis          TEXT    NOT NULL DEFAULT '',
    purpose        TEXT    NOT NULL,
    cameras        TEXT    NOT NULL, -- JSON array of camera or camera group IDs
    from_ns        INTEGER NOT NULL DEFAULT 0,
    to_ns          INTEGER NOT NULL DEFAULT 0,
    form           TEXT    NOT NULL CHECK (form IN ('copy', 'on_site', 'live')),
    agreement      TEXT    NOT NULL DEFAULT '',
    items          TEXT    NOT NULL,
    restrictions   TEXT    NOT NULL DEFAULT '',
    pledge         INTEGER NOT NULL DEFAULT 0 CHECK (pledge IN (0, 1)),
    status         TEXT    NOT NULL CHECK (status IN ('requested', 'approved', 'refused', 'delivered', 'closed')),
    channel        TEXT    NOT NULL CHECK (channel IN ('staff', 'agency')),
    filed_by       TEXT    NOT NULL,
    filed_ns       INTEGER NOT NULL,
    decided_by     TEXT    NOT NULL DEFAULT '',
    decider_name   TEXT    NOT NULL DEFAULT '',
    decided_ns     INTEGER NOT NULL DEFAULT 0,
    refusal_reason TEXT    NOT NULL DEFAULT '',
    delivered_by   TEXT    NOT NULL DEFAULT '',
    delivered_ns   INTEGER NOT NULL DEFAULT 0,
    export_id      TEXT    NOT NULL DEFAULT '',
    attendee       TEXT    NOT NULL DEFAULT '',
    opening        TEXT    NOT NULL DEFAULT '',
    closed_by      TEXT    NOT NULL DEFAULT '',
    closed_ns      INTEGER NOT NULL DEFAULT 0,
    note           TEXT    NOT NULL DEFAULT '',
    updated_ns     INTEGER NOT NULL,
    -- four eyes: the decision is never by the account that filed it
    CHECK (decided_by = '' OR decided_by <> filed_by)
);
CREATE INDEX provisions_filed_by ON provisions (filed_by, id);
CREATE INDEX provisions_status ON provisions (status, id);
CREATE TRIGGER provisions_no_delete BEFORE DELETE ON provisions
BEGIN SELECT RAISE(ABORT, 'provisions are kept'); END;
