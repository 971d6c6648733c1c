-- 0008: login throttling and the second factor decided per request (issue 11, items 7 and
-- 10; docs/SCHEMA.md, migration 8).
--
-- login_throttle replaces the hard lockout of migration 5 (accounts.failed_logins and
-- accounts.locked_until_ns are no longer used): failed logins are counted under several
-- keys at once (accounts.Manager names them: an account from one address, an account from
-- anywhere, an address), each with an exponential backoff. Rows are small and few; a key
-- quiet for an hour starts again from zero.
CREATE TABLE login_throttle (
    key       TEXT    PRIMARY KEY,
    failures  INTEGER NOT NULL DEFAULT 0,
    last_ns   INTEGER NOT NULL DEFAULT 0, -- the last failure
    until_ns  INTEGER NOT NULL DEFAULT 0, -- no attempt is checked before this
    good_ns   INTEGER NOT NULL DEFAULT 0  -- the last completed login under this key
) WITHOUT ROWID;

-- sessions.second_factor now means "passed TOTP in this session" (it meant "login complete",
-- also set for accounts that needed no second factor). A session of an account without an
-- OTP secret cannot have passed one.
UPDATE sessions SET second_factor = 0
 WHERE second_factor = 1 AND account IN (SELECT id FROM accounts WHERE totp_secret IS NULL OR length(totp_secret) = 0);
