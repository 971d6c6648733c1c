-- 0005: the console's accounts, their grants and deputies, login sessions, and the
-- data-subject requests filed on the portal or at the desk (docs/SCHEMA.md, migration 5).
-- Accounts, grants and deputy assignments are never deleted (disabled, revoked, ended), so
-- that the names in the access log keep their meaning.
CREATE TABLE accounts (
    id              INTEGER PRIMARY KEY,
    username        TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    name            TEXT    NOT NULL,
    person          TEXT    NOT NULL DEFAULT '',
    email           TEXT    NOT NULL DEFAULT '',
    password_hash   TEXT    NOT NULL,
    password_set_ns INTEGER NOT NULL,
    totp_secret     BLOB,             -- sealed by the caller (accounts.Manager), NULL until enrolled
    totp_step       INTEGER NOT NULL DEFAULT 0,
    created_ns      INTEGER NOT NULL,
    created_by      TEXT    NOT NULL DEFAULT '',
    disabled_ns     INTEGER NOT NULL DEFAULT 0,
    disabled_reason TEXT    NOT NULL DEFAULT '',
    disabled_by     TEXT    NOT NULL DEFAULT '',
    failed_logins   INTEGER NOT NULL DEFAULT 0,
    locked_until_ns INTEGER NOT NULL DEFAULT 0,
    last_login_ns   INTEGER NOT NULL DEFAULT 0,
    lang            TEXT    NOT NULL DEFAULT 'ko' CHECK (lang IN ('ko', 'en'))
);
CREATE INDEX accounts_person ON accounts (person) WHERE person <> '';
CREATE TRIGGER accounts_no_delete BEFORE DELETE ON accounts
BEGIN SELECT RAISE(ABORT, 'accounts are disabled, never deleted'); END;

CREATE TABLE account_grants (
    id         INTEGER PRIMARY KEY,
    account    INTEGER NOT NULL REFERENCES accounts (id),
    role       TEXT    NOT NULL CHECK (role IN ('chief', 'manager', 'operations_lead', 'access_holder', 'auditor', 'agency', 'admin')),
    all_scope  INTEGER NOT NULL DEFAULT 0 CHECK (all_scope IN (0, 1)),
    sites      TEXT    NOT NULL DEFAULT '[]', -- JSON array of site IDs
    cameras    TEXT    NOT NULL DEFAULT '[]', -- JSON array of camera or camera group IDs
    until_ns   INTEGER NOT NULL DEFAULT 0,
    agreement  TEXT    NOT NULL DEFAULT '',
    created_ns INTEGER NOT NULL,
    created_by TEXT    NOT NULL DEFAULT '',
    revoked_ns INTEGER NOT NULL DEFAULT 0,
    revoked_by TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX account_grants_account ON account_grants (account);
CREATE TRIGGER account_grants_no_delete BEFORE DELETE ON account_grants
BEGIN SELECT RAISE(ABORT, 'grants are revoked, never deleted'); END;

CREATE TABLE deputies (
    id       INTEGER PRIMARY KEY,
    deputy   INTEGER NOT NULL REFERENCES accounts (id),
    primary_ INTEGER NOT NULL REFERENCES accounts (id),
    from_ns  INTEGER NOT NULL,
    until_ns INTEGER NOT NULL DEFAULT 0,
    reason   TEXT    NOT NULL DEFAULT '',
    by       TEXT    NOT NULL DEFAULT '',
    ended_ns INTEGER NOT NULL DEFAULT 0,
    ended_by TEXT    NOT NULL DEFAULT '',
    CHECK (deputy <> primary_)
);
CREATE INDEX deputies_deputy ON deputies (deputy);
CREATE TRIGGER deputies_no_delete BEFORE DELETE ON deputies
BEGIN SELECT RAISE(ABORT, 'deputy assignments are ended, never deleted'); END;

-- A session's id is the SHA-256 (hex) of its cookie's token; the token is never stored.
CREATE TABLE sessions (
    id            TEXT    PRIMARY KEY,
    account       INTEGER NOT NULL REFERENCES accounts (id),
    created_ns    INTEGER NOT NULL,
    seen_ns       INTEGER NOT NULL,
    expires_ns    INTEGER NOT NULL,
    second_factor INTEGER NOT NULL DEFAULT 0 CHECK (second_factor IN (0, 1)),
    csrf          TEXT    NOT NULL,
    address       TEXT    NOT NULL DEFAULT '',
    user_agent    TEXT    NOT NULL DEFAULT '',
    ended_ns      INTEGER NOT NULL DEFAULT 0,
    end_reason    TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX sessions_account ON sessions (account) WHERE ended_ns = 0;

CREATE TABLE subject_requests (
    id           INTEGER PRIMARY KEY,
    code         TEXT    NOT NULL UNIQUE,
    kind         TEXT    NOT NULL CHECK (kind IN ('view', 'existence', 'deletion')),
    name         TEXT    NOT NULL,
    contact      TEXT    NOT NULL,
    from_ns      INTEGER NOT NULL,
    to_ns        INTEGER NOT NULL,
    place        TEXT    NOT NULL DEFAULT '',
    camera       TEXT    NOT NULL DEFAULT '',
    purpose      TEXT    NOT NULL,
    relationship TEXT    NOT NULL DEFAULT '',
    channel      TEXT    NOT NULL CHECK (channel IN ('portal', 'desk')),
    filed_ns     INTEGER NOT NULL,
    due          TEXT    NOT NULL, -- YYYY-MM-DD (KST)
    status       TEXT    NOT NULL CHECK (status IN ('received', 'reviewing', 'decided', 'closed', 'withdrawn')),
    updated_ns   INTEGER NOT NULL,
    decision     TEXT    NOT NULL DEFAULT '',
    ground       TEXT    NOT NULL DEFAULT '',
    note         TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX subject_requests_status ON subject_requests (status, due);
