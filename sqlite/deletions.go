package sqlite

import (
	"context"
	"database/sql"
	"time"

	"custodian"
)

// The catalog's part of selective deletion (migration 12; docs/design/vault.md,
// "Selective deletion").

// RotateKey retires a live period key and stores its successor, in one transaction.
func (db *DB) RotateKey(ctx context.Context, oldID string, at time.Time, next *custodian.DataKey) (*custodian.DataKey, error) {
	var out *custodian.DataKey
	err := db.tx(ctx, func(tx *sql.Tx) error {
		old, err := scanKey(tx.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM data_keys WHERE id = ? AND kind = 'period' AND destroyed_ns IS NULL`, oldID))
		if isNoRows(err) {
			return notFound("바꿀 기간 키 %s가 없습니다 (이미 파기됨)", "no live period key %s to rotate (destroyed already)", oldID)
		}
		if err != nil {
			return err
		}
		if old.Retired.IsZero() {
			if _, err := tx.ExecContext(ctx, `UPDATE data_keys SET retired_ns = ? WHERE id = ?`, ns(at), oldID); err != nil {
				return err
			}
		} else {
			cur, err := scanKey(tx.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM data_keys
				WHERE kind = 'period' AND camera_id = ? AND period = ? AND damaged_ns IS NULL AND retired_ns IS NULL`, old.Camera, old.Period.String()))
			if err == nil {
				out = cur
				return nil
			}
			if !isNoRows(err) {
				return err
			}
		}
		if next.Kind != custodian.KeyPeriod || next.Camera != old.Camera || next.Period != old.Period || next.Replaces != oldID {
			return custodian.Errorf(custodian.EINTERNAL, "후속 키 %s가 키 %s와 맞지 않습니다", "successor key %s does not match key %s", next.ID, oldID)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO data_keys (id, kind, camera_id, period, expires_ns, wrapped, master_key_id, created_ns, replaces)
			VALUES (?, 'period', ?, ?, ?, ?, ?, ?, ?)`,
			next.ID, next.Camera, next.Period.String(), nullNS(next.Expires), next.Wrapped, next.MasterKeyID, ns(next.Created), oldID); err != nil {
			return err
		}
		out = next
		return nil
	})
	return out, err
}

// DestroyRetiredKey destroys a retired key and its segments, storing a garbage entry for
// each file, in one transaction.
func (db *DB) DestroyRetiredKey(ctx context.Context, keyID string, deletionID int64, at time.Time, rec *custodian.Destruction) ([]custodian.Garbage, error) {
	var out []custodian.Garbage
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var writing int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM segments WHERE key_id = ? AND state = 'writing'`, keyID).Scan(&writing); err != nil {
			return err
		}
		if writing > 0 {
			return custodian.Errorf(custodian.ECONFLICT, "키 %s 아래에 기록 중인 세그먼트가 있습니다", "a segment is being written under key %s", keyID)
		}
		res, err := tx.ExecContext(ctx, `UPDATE data_keys SET wrapped = NULL, destroyed_ns = ? WHERE id = ? AND destroyed_ns IS NULL AND retired_ns IS NOT NULL`, ns(at), keyID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return notFound("파기할 은퇴 키 %s가 없습니다", "no live retired key %s to destroy", keyID)
		}
		rows, err := tx.QueryContext(ctx, `SELECT path, stored_size, start_ns, end_ns FROM segments WHERE key_id = ? ORDER BY start_ns`, keyID)
		if err != nil {
			return err
		}
		var n int
		var bytes, first, last int64
		for rows.Next() {
			var g custodian.Garbage
			var size, start, end int64
			if err := rows.Scan(&g.Path, &size, &start, &end); err != nil {
				rows.Close()
				return err
			}
			out = append(out, g)
			n++
			bytes += size
			if first == 0 || start < first {
				first = start
			}
			last = max(last, end)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM segments WHERE key_id = ?`, keyID); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if rec != nil {
			rec.Segments, rec.Bytes, rec.From, rec.To = n, bytes, fromNS(first), fromNS(last)
			out[len(out)-1].Record = rec
		}
		for _, g := range out {
			if err := insertGarbage(ctx, tx, g); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE deletions SET segments = segments + ?, bytes = bytes + ?,
			span_from_ns = MIN(COALESCE(span_from_ns, ?), ?), span_to_ns = MAX(COALESCE(span_to_ns, ?), ?),
			keys = CASE WHEN keys = '' THEN ? ELSE keys || ',' || ? END WHERE id = ?`,
			n, bytes, first, first, last, last, keyID, keyID, deletionID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

const deletionColumns = `id, camera_id, from_ns, to_ns, reason, actor, created_ns, COALESCE(finished_ns, 0), segments, bytes, COALESCE(span_from_ns, 0), COALESCE(span_to_ns, 0), keys`

func (db *DB) deletions(ctx context.Context, where string, args ...any) ([]custodian.Deletion, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+deletionColumns+` FROM deletions `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []custodian.Deletion
	for rows.Next() {
		var d custodian.Deletion
		var from, to, created, finished, spanFrom, spanTo int64
		if err := rows.Scan(&d.ID, &d.Camera, &from, &to, &d.Reason, &d.Actor, &created, &finished, &d.Segments, &d.Bytes, &spanFrom, &spanTo, &d.Keys); err != nil {
			return nil, err
		}
		d.From, d.To, d.Created, d.Finished, d.SpanFrom, d.SpanTo = fromNS(from), fromNS(to), fromNS(created), fromNS(finished), fromNS(spanFrom), fromNS(spanTo)
		out = append(out, d)
	}
	return out, rows.Err()
}

// BeginDeletion stores a deletion intent.
func (db *DB) BeginDeletion(ctx context.Context, d *custodian.Deletion) error {
	res, err := db.db.ExecContext(ctx, `INSERT INTO deletions (camera_id, from_ns, to_ns, reason, actor, created_ns) VALUES (?, ?, ?, ?, ?, ?)`,
		d.Camera, ns(d.From), ns(d.To), d.Reason, d.Actor, ns(d.Created))
	if err != nil {
		return err
	}
	d.ID, err = res.LastInsertId()
	return err
}

// Deletion returns one deletion.
func (db *DB) Deletion(ctx context.Context, id int64) (*custodian.Deletion, error) {
	ds, err := db.deletions(ctx, `WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(ds) == 0 {
		return nil, notFound("삭제 %d이(가) 없습니다", "no deletion %d", id)
	}
	return &ds[0], nil
}

// PendingDeletions lists the deletions not finished.
func (db *DB) PendingDeletions(ctx context.Context) ([]custodian.Deletion, error) {
	return db.deletions(ctx, `WHERE finished_ns IS NULL ORDER BY id`)
}

// FinishDeletion marks a deletion finished.
func (db *DB) FinishDeletion(ctx context.Context, id int64, at time.Time) error {
	_, err := db.db.ExecContext(ctx, `UPDATE deletions SET finished_ns = ? WHERE id = ? AND finished_ns IS NULL`, ns(at), id)
	return err
}
