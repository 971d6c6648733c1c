package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"custodian"
)

var _ custodian.VaultCatalog = (*DB)(nil)

func ns(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNS(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func nullNS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

func nullDate(d custodian.Date) any {
	if d.IsZero() {
		return nil
	}
	return d.String()
}

// MasterKeyID returns the master key ID the data keys are wrapped with.
func (db *DB) MasterKeyID(ctx context.Context) (string, error) {
	var id string
	err := db.db.QueryRowContext(ctx, `SELECT value FROM vault_meta WHERE key = 'master_key_id'`).Scan(&id)
	if isNoRows(err) {
		return "", nil
	}
	return id, err
}

// SetMasterKeyID records the master key ID.
func (db *DB) SetMasterKeyID(ctx context.Context, id string) error {
	_, err := db.db.ExecContext(ctx, `INSERT INTO vault_meta (key, value) VALUES ('master_key_id', ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, id)
	return err
}

const keyColumns = `id, kind, camera_id, COALESCE(period, ''), COALESCE(hold_id, 0), COALESCE(expires_ns, 0), wrapped, master_key_id, created_ns, COALESCE(destroyed_ns, 0), COALESCE(damaged_ns, 0), COALESCE(retired_ns, 0), COALESCE(replaces, '')`

func scanKey(sc interface{ Scan(...any) error }) (*custodian.DataKey, error) {
	var k custodian.DataKey
	var period string
	var expires, created, destroyed, damaged, retired int64
	if err := sc.Scan(&k.ID, &k.Kind, &k.Camera, &period, &k.HoldID, &expires, &k.Wrapped, &k.MasterKeyID, &created, &destroyed, &damaged, &retired, &k.Replaces); err != nil {
		return nil, err
	}
	if period != "" {
		d, err := custodian.ParseDate(period)
		if err != nil {
			return nil, err
		}
		k.Period = d
	}
	k.Expires, k.Created, k.Destroyed, k.Damaged, k.Retired = fromNS(expires), fromNS(created), fromNS(destroyed), fromNS(damaged), fromNS(retired)
	return &k, nil
}

// PeriodKey returns the period key of a camera and day.
func (db *DB) PeriodKey(ctx context.Context, camera string, day custodian.Date) (*custodian.DataKey, error) {
	k, err := scanKey(db.db.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM data_keys WHERE kind = 'period' AND camera_id = ? AND period = ? AND damaged_ns IS NULL AND retired_ns IS NULL`, camera, day.String()))
	if isNoRows(err) {
		return nil, notFound("카메라 %s의 %s 키가 없습니다", "no key for camera %s on %s", camera, day)
	}
	return k, err
}

// MarkKeyDamaged marks a key whose wrapped bytes no longer authenticate; a period key so
// marked is no longer the camera's key of its day, so that a new one can be made.
func (db *DB) MarkKeyDamaged(ctx context.Context, id string, at time.Time) error {
	_, err := db.db.ExecContext(ctx, `UPDATE data_keys SET damaged_ns = ? WHERE id = ? AND damaged_ns IS NULL`, ns(at), id)
	return err
}

// DamagedKeys lists the keys marked damaged that are not yet destroyed.
func (db *DB) DamagedKeys(ctx context.Context) ([]custodian.DataKey, error) {
	return db.keys(ctx, `WHERE damaged_ns IS NOT NULL AND destroyed_ns IS NULL ORDER BY damaged_ns`)
}

// CreateKey stores a new data key.
func (db *DB) CreateKey(ctx context.Context, k *custodian.DataKey) error {
	_, err := db.db.ExecContext(ctx, `INSERT INTO data_keys (id, kind, camera_id, period, hold_id, expires_ns, wrapped, master_key_id, created_ns)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.Kind, k.Camera, nullDate(k.Period), nullInt64(k.HoldID), nullNS(k.Expires), k.Wrapped, k.MasterKeyID, ns(k.Created))
	if err != nil && isUnique(err) {
		return custodian.Errorf(custodian.ECONFLICT, "카메라 %s의 %s 키가 이미 있습니다", "a key for camera %s on %s exists", k.Camera, k.Period)
	}
	return err
}

func nullInt64(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// Key returns a key by ID.
func (db *DB) Key(ctx context.Context, id string) (*custodian.DataKey, error) {
	k, err := scanKey(db.db.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM data_keys WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, notFound("키 %s가 없습니다", "no key %s", id)
	}
	return k, err
}

func (db *DB) keys(ctx context.Context, query string, args ...any) ([]custodian.DataKey, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+keyColumns+` FROM data_keys `+query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []custodian.DataKey
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *k)
	}
	return out, rows.Err()
}

// LiveKeys lists the keys that are not destroyed.
func (db *DB) LiveKeys(ctx context.Context) ([]custodian.DataKey, error) {
	return db.keys(ctx, `WHERE destroyed_ns IS NULL ORDER BY created_ns, id`)
}

// RewrapKeys re-wraps every live key and records the new master key ID, in one transaction.
// Camera secrets are re-sealed in the same transaction.
func (db *DB) RewrapKeys(ctx context.Context, newMasterID string, rewrap func(*custodian.DataKey) ([]byte, error), reseal func(*custodian.CameraSecret) ([]byte, error)) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+keyColumns+` FROM data_keys WHERE destroyed_ns IS NULL`)
		if err != nil {
			return err
		}
		var keys []*custodian.DataKey
		for rows.Next() {
			k, err := scanKey(rows)
			if err != nil {
				rows.Close()
				return err
			}
			keys = append(keys, k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `UPDATE data_keys SET wrapped = ?, master_key_id = ? WHERE id = ?`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, k := range keys {
			w, err := rewrap(k)
			if err != nil {
				return err
			}
			if _, err := stmt.ExecContext(ctx, w, newMasterID, k.ID); err != nil {
				return err
			}
		}
		secrets, err := cameraSecrets(ctx, tx)
		if err != nil {
			return err
		}
		for _, c := range secrets {
			sealed, err := reseal(&c)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE camera_secrets SET sealed = ?, master_key_id = ? WHERE camera_id = ?`, sealed, newMasterID, c.Camera); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO vault_meta (key, value) VALUES ('master_key_id', ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, newMasterID)
		return err
	})
}

// ExpiredKeys lists live period keys expiring at or before t.
func (db *DB) ExpiredKeys(ctx context.Context, t time.Time, limit int) ([]custodian.DataKey, error) {
	return db.keys(ctx, `WHERE kind = 'period' AND destroyed_ns IS NULL AND expires_ns <= ? ORDER BY expires_ns, id LIMIT ?`, t.UnixNano(), limit)
}

// SetExpiry changes when a live period key expires.
func (db *DB) SetExpiry(ctx context.Context, keyID string, t time.Time) error {
	_, err := db.db.ExecContext(ctx, `UPDATE data_keys SET expires_ns = ? WHERE id = ? AND destroyed_ns IS NULL`, t.UnixNano(), keyID)
	return err
}

const segmentColumns = `id, camera_id, start_ns, end_ns, key_id, path, plain_size, stored_size, sha256, created_ns, state, retention_class`

func scanSegment(sc interface{ Scan(...any) error }) (custodian.Segment, error) {
	var s custodian.Segment
	var start, end, created int64
	err := sc.Scan(&s.ID, &s.Camera, &start, &end, &s.KeyID, &s.Path, &s.PlainSize, &s.StoredSize, &s.SHA256, &created, &s.State, &s.RetentionClass)
	s.Start, s.End, s.Created = fromNS(start), fromNS(end), fromNS(created)
	return s, err
}

func (db *DB) segments(ctx context.Context, query string, args ...any) ([]custodian.Segment, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+segmentColumns+` FROM segments `+query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []custodian.Segment
	for rows.Next() {
		s, err := scanSegment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// BeginSegment inserts a segment in state "writing". A segment never begins under a
// destroyed key (a selective deletion may destroy a key that a writer read just before it
// was retired): that is refused with ECONFLICT.
func (db *DB) BeginSegment(ctx context.Context, s *custodian.Segment) error {
	res, err := db.db.ExecContext(ctx, `INSERT INTO segments (`+segmentColumns+`) SELECT ?, ?, ?, ?, ?, ?, 0, 0, NULL, ?, 'writing', ?
		WHERE EXISTS (SELECT 1 FROM data_keys WHERE id = ? AND destroyed_ns IS NULL)`,
		s.ID, s.Camera, ns(s.Start), ns(s.Start), s.KeyID, s.Path, ns(s.Created), s.RetentionClass, s.KeyID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return custodian.Errorf(custodian.ECONFLICT, "키 %s가 파기되어 그 아래에 세그먼트를 기록할 수 없습니다", "key %s is destroyed: no segment can be written under it", s.KeyID)
	}
	return nil
}

// CommitSegment completes a segment.
func (db *DB) CommitSegment(ctx context.Context, s *custodian.Segment) error {
	res, err := db.db.ExecContext(ctx, `UPDATE segments SET state = 'ok', end_ns = ?, plain_size = ?, stored_size = ?, sha256 = ? WHERE id = ? AND state = 'writing'`,
		ns(s.End), s.PlainSize, s.StoredSize, s.SHA256, s.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return custodian.Errorf(custodian.ECONFLICT, "기록 중인 세그먼트 %s가 없습니다", "no segment %s being written", s.ID)
	}
	s.State = custodian.SegmentOK
	return nil
}

// AbortSegment deletes a segment still being written.
func (db *DB) AbortSegment(ctx context.Context, id string) error {
	_, err := db.db.ExecContext(ctx, `DELETE FROM segments WHERE id = ? AND state = 'writing'`, id)
	return err
}

// WritingSegments lists the segments left in state "writing".
func (db *DB) WritingSegments(ctx context.Context) ([]custodian.Segment, error) {
	return db.segments(ctx, `WHERE state = 'writing'`)
}

// Segments lists the complete segments of a camera overlapping [from, to). A segment is at
// most custodian.MaxSegmentDuration long, so one that overlaps starts after that much
// before from, and the index on (camera, start) bounds the search.
func (db *DB) Segments(ctx context.Context, camera string, from, to time.Time) ([]custodian.Segment, error) {
	return db.segments(ctx, `WHERE camera_id = ? AND start_ns >= ? AND start_ns < ? AND end_ns > ? AND state = 'ok' ORDER BY start_ns`,
		camera, from.Add(-custodian.MaxSegmentDuration).UnixNano(), to.UnixNano(), from.UnixNano())
}

// SegmentsOfKey lists the complete segments under a key.
func (db *DB) SegmentsOfKey(ctx context.Context, keyID string) ([]custodian.Segment, error) {
	return db.segments(ctx, `WHERE key_id = ? AND state = 'ok' ORDER BY start_ns`, keyID)
}

// Segment returns one segment.
func (db *DB) Segment(ctx context.Context, id string) (*custodian.Segment, error) {
	s, err := scanSegment(db.db.QueryRowContext(ctx, `SELECT `+segmentColumns+` FROM segments WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, notFound("세그먼트 %s가 없습니다", "no segment %s", id)
	}
	return &s, err
}

// EachSegment calls fn for every complete segment.
func (db *DB) EachSegment(ctx context.Context, fn func(custodian.Segment) error) error {
	rows, err := db.db.QueryContext(ctx, `SELECT `+segmentColumns+` FROM segments WHERE state = 'ok' ORDER BY camera_id, start_ns`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		s, err := scanSegment(rows)
		if err != nil {
			return err
		}
		if err := fn(s); err != nil {
			return err
		}
	}
	return rows.Err()
}

// MoveSegment points a segment at a new key and file and puts the old file in the garbage.
func (db *DB) MoveSegment(ctx context.Context, id, keyID, path string, old custodian.Garbage) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE segments SET key_id = ?, path = ? WHERE id = ? AND state = 'ok'`, keyID, path, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return notFound("세그먼트 %s가 없습니다", "no segment %s", id)
		}
		// The new file was announced in the garbage in case of a crash; it is now in use.
		if _, err := tx.ExecContext(ctx, `DELETE FROM garbage WHERE path = ?`, path); err != nil {
			return err
		}
		return insertGarbage(ctx, tx, old)
	})
}

func insertGarbage(ctx context.Context, tx *sql.Tx, g custodian.Garbage) error {
	var rec any
	if g.Record != nil {
		b, err := json.Marshal(g.Record)
		if err != nil {
			return err
		}
		rec = string(b)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO garbage (path, record) VALUES (?, ?) ON CONFLICT (path) DO UPDATE SET record = COALESCE(excluded.record, garbage.record)`, g.Path, rec)
	return err
}

// Storage sums the stored footage per camera.
func (db *DB) Storage(ctx context.Context) ([]custodian.StorageRow, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT camera_id, MAX(retention_class), COUNT(*), COALESCE(SUM(stored_size), 0), MIN(start_ns), MAX(end_ns)
		FROM segments WHERE state = 'ok' GROUP BY camera_id ORDER BY camera_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []custodian.StorageRow
	for rows.Next() {
		var r custodian.StorageRow
		var first, last int64
		if err := rows.Scan(&r.Camera, &r.RetentionClass, &r.Segments, &r.Bytes, &first, &last); err != nil {
			return nil, err
		}
		r.First, r.Last = fromNS(first), fromNS(last)
		out = append(out, r)
	}
	return out, rows.Err()
}

// DestroyKey destroys a key and deletes its segment rows, storing g for the files, in one
// transaction. With secure_delete the freed bytes are overwritten in the pages; Scrub then
// removes the older copies of those pages from the WAL.
func (db *DB) DestroyKey(ctx context.Context, keyID string, at time.Time, g custodian.Garbage) (int, int64, error) {
	var n int
	var bytes int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE data_keys SET wrapped = NULL, destroyed_ns = ? WHERE id = ? AND destroyed_ns IS NULL`, at.UnixNano(), keyID)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return notFound("파기할 키 %s가 없습니다", "no live key %s to destroy", keyID)
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(stored_size), 0) FROM segments WHERE key_id = ?`, keyID).Scan(&n, &bytes); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM segments WHERE key_id = ?`, keyID); err != nil {
			return err
		}
		if g.Record != nil {
			g.Record.Segments, g.Record.Bytes = n, bytes
		}
		return insertGarbage(ctx, tx, g)
	})
	if err != nil {
		return 0, 0, err
	}
	return n, bytes, nil
}

// Scrub checkpoints the WAL into the database file and truncates it.
func (db *DB) Scrub(ctx context.Context) error { return db.Checkpoint(ctx) }

// Checkpoint copies the WAL into the database file and truncates it, so that pages
// overwritten by secure_delete leave no older copy in the WAL.
func (db *DB) Checkpoint(ctx context.Context) error {
	var busy, logPages, done int
	if err := db.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logPages, &done); err != nil {
		return err
	}
	if busy != 0 {
		// A reader holds an old snapshot; the checkpoint could not finish. Try again once
		// readers have moved on.
		time.Sleep(50 * time.Millisecond)
		if err := db.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logPages, &done); err != nil {
			return err
		}
		if busy != 0 {
			return errors.New("sqlite: the WAL could not be checkpointed (a reader is busy); it will be on the next destruction or close")
		}
	}
	return nil
}

// PendingGarbage lists garbage not yet removed.
func (db *DB) PendingGarbage(ctx context.Context) ([]custodian.Garbage, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT path, record FROM garbage ORDER BY path`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []custodian.Garbage
	for rows.Next() {
		var g custodian.Garbage
		var rec sql.NullString
		if err := rows.Scan(&g.Path, &rec); err != nil {
			return nil, err
		}
		if rec.Valid {
			g.Record = &custodian.Destruction{}
			if err := json.Unmarshal([]byte(rec.String), g.Record); err != nil {
				return nil, err
			}
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// AddGarbage stores a garbage entry.
func (db *DB) AddGarbage(ctx context.Context, g custodian.Garbage) error {
	return db.tx(ctx, func(tx *sql.Tx) error { return insertGarbage(ctx, tx, g) })
}

// FinishGarbage writes the destruction record g carries and deletes g.
func (db *DB) FinishGarbage(ctx context.Context, g custodian.Garbage) (*custodian.Destruction, error) {
	var rec *custodian.Destruction
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var stored sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT record FROM garbage WHERE path = ?`, g.Path).Scan(&stored)
		if isNoRows(err) {
			return nil // already finished
		}
		if err != nil {
			return err
		}
		if stored.Valid {
			rec = &custodian.Destruction{}
			if err := json.Unmarshal([]byte(stored.String), rec); err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO destructions (at_ns, camera_id, from_ns, to_ns, segments, bytes, method, actor, key_id, reason)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				ns(rec.At), rec.Camera, ns(rec.From), ns(rec.To), rec.Segments, rec.Bytes, rec.Method, rec.Actor, rec.KeyID, rec.Reason)
			if err != nil {
				return err
			}
			rec.ID, _ = res.LastInsertId()
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM garbage WHERE path = ?`, g.Path)
		return err
	})
	return rec, err
}

// Destructions lists the destruction record.
func (db *DB) Destructions(ctx context.Context, from, to time.Time) ([]custodian.Destruction, error) {
	q := `SELECT id, at_ns, camera_id, from_ns, to_ns, segments, bytes, method, actor, key_id, reason FROM destructions`
	var args []any
	if !from.IsZero() || !to.IsZero() {
		if to.IsZero() {
			to = time.Unix(0, 1<<62)
		}
		q += ` WHERE at_ns >= ? AND at_ns < ?`
		args = append(args, ns(from), ns(to))
	}
	rows, err := db.db.QueryContext(ctx, q+` ORDER BY at_ns, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []custodian.Destruction
	for rows.Next() {
		var d custodian.Destruction
		var at, f, t int64
		if err := rows.Scan(&d.ID, &at, &d.Camera, &f, &t, &d.Segments, &d.Bytes, &d.Method, &d.Actor, &d.KeyID, &d.Reason); err != nil {
			return nil, err
		}
		d.At, d.From, d.To = fromNS(at), fromNS(f), fromNS(t)
		out = append(out, d)
	}
	return out, rows.Err()
}

const holdColumns = `h.id, h.camera_id, h.from_ns, h.to_ns, h.reason, COALESCE(h.until, ''), h.key_id, h.created_ns, h.created_by, COALESCE(h.released_ns, 0), COALESCE(h.released_by, ''),
	(SELECT COUNT(*) FROM segments s WHERE s.key_id = h.key_id AND s.state = 'ok')`

func scanHold(sc interface{ Scan(...any) error }) (custodian.Hold, error) {
	var h custodian.Hold
	var from, to, created, released int64
	var until string
	if err := sc.Scan(&h.ID, &h.Camera, &from, &to, &h.Reason, &until, &h.KeyID, &created, &h.CreatedBy, &released, &h.ReleasedBy, &h.Segments); err != nil {
		return h, err
	}
	h.From, h.To, h.Created, h.Released = fromNS(from), fromNS(to), fromNS(created), fromNS(released)
	if until != "" {
		d, err := custodian.ParseDate(until)
		if err != nil {
			return h, err
		}
		h.Until = d
	}
	return h, nil
}

func (db *DB) holds(ctx context.Context, where string, args ...any) ([]custodian.Hold, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+holdColumns+` FROM holds h `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []custodian.Hold
	for rows.Next() {
		h, err := scanHold(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// CreateHold stores a hold and its key.
func (db *DB) CreateHold(ctx context.Context, h *custodian.Hold, key *custodian.DataKey) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO data_keys (id, kind, camera_id, wrapped, master_key_id, created_ns) VALUES (?, 'hold', ?, ?, ?, ?)`,
			key.ID, key.Camera, key.Wrapped, key.MasterKeyID, ns(key.Created))
		if err != nil {
			return err
		}
		res, err = tx.ExecContext(ctx, `INSERT INTO holds (camera_id, from_ns, to_ns, reason, until, key_id, created_ns, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			h.Camera, ns(h.From), ns(h.To), h.Reason, nullDate(h.Until), key.ID, ns(h.Created), h.CreatedBy)
		if err != nil {
			return err
		}
		if h.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		h.KeyID = key.ID
		key.HoldID = h.ID
		_, err = tx.ExecContext(ctx, `UPDATE data_keys SET hold_id = ? WHERE id = ?`, h.ID, key.ID)
		return err
	})
}

// Hold returns one hold.
func (db *DB) Hold(ctx context.Context, id int64) (*custodian.Hold, error) {
	hs, err := db.holds(ctx, `WHERE h.id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(hs) == 0 {
		return nil, notFound("보존 조치 %d이(가) 없습니다", "no hold %d", id)
	}
	return &hs[0], nil
}

// Holds lists holds.
func (db *DB) Holds(ctx context.Context, all bool) ([]custodian.Hold, error) {
	if all {
		return db.holds(ctx, `ORDER BY h.id`)
	}
	return db.holds(ctx, `WHERE h.released_ns IS NULL ORDER BY h.id`)
}

// ActiveHolds lists the active holds of a camera overlapping [from, to), oldest first.
func (db *DB) ActiveHolds(ctx context.Context, camera string, from, to time.Time) ([]custodian.Hold, error) {
	return db.holds(ctx, `WHERE h.camera_id = ? AND h.released_ns IS NULL AND h.from_ns < ? AND h.to_ns > ? ORDER BY h.id`, camera, ns(to), ns(from))
}

// ReleaseHold marks a hold released.
func (db *DB) ReleaseHold(ctx context.Context, id int64, at time.Time, by string) error {
	res, err := db.db.ExecContext(ctx, `UPDATE holds SET released_ns = ?, released_by = ? WHERE id = ? AND released_ns IS NULL`, ns(at), by, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return custodian.Errorf(custodian.ECONFLICT, "보존 조치 %d은(는) 없거나 이미 해제되었습니다", "hold %d does not exist or is already released", id)
	}
	return nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func cameraSecrets(ctx context.Context, q querier, where ...any) ([]custodian.CameraSecret, error) {
	query := `SELECT camera_id, user, host, sealed, master_key_id, updated_ns FROM camera_secrets`
	if len(where) > 0 {
		query += ` WHERE camera_id = ?`
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY camera_id`, where...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []custodian.CameraSecret
	for rows.Next() {
		var c custodian.CameraSecret
		var updated int64
		if err := rows.Scan(&c.Camera, &c.User, &c.Host, &c.Sealed, &c.MasterKeyID, &updated); err != nil {
			return nil, err
		}
		c.Updated = fromNS(updated)
		out = append(out, c)
	}
	return out, rows.Err()
}

// CameraSecret returns the sealed credentials of a camera.
func (db *DB) CameraSecret(ctx context.Context, camera string) (*custodian.CameraSecret, error) {
	cs, err := cameraSecrets(ctx, db.db, camera)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, notFound("카메라 %s의 인증 정보가 없습니다", "no credentials for camera %s", camera)
	}
	return &cs[0], nil
}

// SetCameraSecret stores (replaces) the sealed credentials of a camera, with the origin
// they were stored for.
func (db *DB) SetCameraSecret(ctx context.Context, c *custodian.CameraSecret) error {
	_, err := db.db.ExecContext(ctx, `INSERT INTO camera_secrets (camera_id, user, host, sealed, master_key_id, updated_ns)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (camera_id) DO UPDATE SET user = excluded.user, host = excluded.host, sealed = excluded.sealed,
		master_key_id = excluded.master_key_id, updated_ns = excluded.updated_ns`,
		c.Camera, c.User, c.Host, c.Sealed, c.MasterKeyID, ns(c.Updated))
	return err
}

// DeleteCameraSecret removes a camera's credentials (no error if there are none).
func (db *DB) DeleteCameraSecret(ctx context.Context, camera string) error {
	_, err := db.db.ExecContext(ctx, `DELETE FROM camera_secrets WHERE camera_id = ?`, camera)
	return err
}
