-- 0007: damaged data keys (issue 11). A period key whose wrapped bytes no longer
-- authenticate under the master key is marked damaged (damaged_ns) and reported; recording
-- goes on under a new period key of the same camera and day. So the uniqueness of a
-- camera's period key holds only among undamaged keys.

ALTER TABLE data_keys ADD COLUMN damaged_ns INTEGER;
DROP INDEX data_keys_period;
CREATE UNIQUE INDEX data_keys_period ON data_keys (camera_id, period) WHERE kind = 'period' AND damaged_ns IS NULL;
