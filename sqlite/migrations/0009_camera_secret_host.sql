-- 0009: a camera's stored password is bound to the host it was stored for (issue 11, item 8).
-- host is the source's origin, scheme://host:port, when the password was stored; the
-- recorder sends the password only to that origin. Rows stored before this migration have
-- host '' and are not used until the password is stored again ('custodian cameras
-- set-source' or an import with password_file).
ALTER TABLE camera_secrets ADD COLUMN host TEXT NOT NULL DEFAULT '';
