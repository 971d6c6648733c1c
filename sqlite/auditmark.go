package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"time"

	"custodian"
	"custodian/auditlog"
)

// AuditMarks keeps the access log's high-water mark (auditlog.MarkStore) in the table
// auditlog_mark (migration 6): outside the log directory, so that records removed from
// the end of the log are noticed.
type AuditMarks struct{ DB *DB }

var _ auditlog.MarkStore = AuditMarks{}

// LoadMark returns the stored mark, or the zero Mark when there is none.
func (s AuditMarks) LoadMark(ctx context.Context) (auditlog.Mark, error) {
	var m auditlog.Mark
	var seq, tns, cpSeq int64
	var hash []byte
	var cpText string
	err := s.DB.db.QueryRowContext(ctx, `SELECT seq, hash, time_ns, cp_seq, cp_text FROM auditlog_mark WHERE id = 1`).
		Scan(&seq, &hash, &tns, &cpSeq, &cpText)
	if errors.Is(err, sql.ErrNoRows) {
		return m, nil
	}
	if err != nil {
		return m, custodian.Errorf(custodian.EINTERNAL, "접근 기록의 표시를 읽을 수 없습니다: %v", "cannot read the access log's mark: %w", err)
	}
	if len(hash) != 32 || seq < 0 {
		return m, custodian.Errorf(custodian.EINTERNAL, "데이터베이스의 접근 기록 표시가 손상되었습니다", "the access log's mark in the database is damaged")
	}
	m.Seq, m.Time = uint64(seq), time.Unix(0, tns).In(custodian.KST)
	copy(m.Hash[:], hash)
	if cpText != "" {
		if err := m.Checkpoint.UnmarshalText([]byte(cpText)); err != nil || m.Checkpoint.Seq != uint64(cpSeq) {
			return m, custodian.Errorf(custodian.EINTERNAL, "데이터베이스의 접근 기록 표시(체크포인트)가 손상되었습니다", "the access log's mark (its checkpoint) in the database is damaged")
		}
	}
	return m, nil
}

func markArgs(m auditlog.Mark) ([]any, error) {
	if m.Seq > math.MaxInt64 || m.Checkpoint.Seq > math.MaxInt64 {
		return nil, custodian.Errorf(custodian.EINVALID, "접근 기록의 일련번호가 너무 큽니다", "the access log's sequence number is too large")
	}
	cpText := ""
	if m.Checkpoint.Signature != nil {
		cpText = m.Checkpoint.String()
	}
	var tns int64
	if !m.Time.IsZero() {
		tns = m.Time.UnixNano()
	}
	return []any{int64(m.Seq), m.Hash[:], tns, int64(m.Checkpoint.Seq), cpText}, nil
}

// SaveMark raises the stored mark to m: the record part if m's seq is higher, the
// checkpoint part if m's checkpoint is at the same or a higher seq. It never lowers it
// (several processes save what each wrote, in any order).
func (s AuditMarks) SaveMark(ctx context.Context, m auditlog.Mark) error {
	args, err := markArgs(m)
	if err != nil {
		return err
	}
	// In an UPDATE every expression sees the row as it was: the CASEs compare with the
	// stored values.
	_, err = s.DB.db.ExecContext(ctx, `INSERT INTO auditlog_mark (id, seq, hash, time_ns, cp_seq, cp_text) VALUES (1, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET
		  seq     = CASE WHEN excluded.seq > seq THEN excluded.seq ELSE seq END,
		  hash    = CASE WHEN excluded.seq > seq THEN excluded.hash ELSE hash END,
		  time_ns = CASE WHEN excluded.seq > seq THEN excluded.time_ns ELSE time_ns END,
		  cp_seq  = CASE WHEN excluded.cp_text <> '' AND (cp_text = '' OR excluded.cp_seq >= cp_seq) THEN excluded.cp_seq ELSE cp_seq END,
		  cp_text = CASE WHEN excluded.cp_text <> '' AND (cp_text = '' OR excluded.cp_seq >= cp_seq) THEN excluded.cp_text ELSE cp_text END`, args...)
	if err != nil {
		return custodian.Errorf(custodian.EINTERNAL, "접근 기록의 표시를 저장할 수 없습니다: %v", "cannot save the access log's mark: %w", err)
	}
	return nil
}

// ResetMark replaces the stored mark with m (auditlog.AcceptLoss, after the loss is
// recorded in the log).
func (s AuditMarks) ResetMark(ctx context.Context, m auditlog.Mark) error {
	args, err := markArgs(m)
	if err != nil {
		return err
	}
	_, err = s.DB.db.ExecContext(ctx, `INSERT OR REPLACE INTO auditlog_mark (id, seq, hash, time_ns, cp_seq, cp_text) VALUES (1, ?, ?, ?, ?, ?)`, args...)
	if err != nil {
		return custodian.Errorf(custodian.EINTERNAL, "접근 기록의 표시를 저장할 수 없습니다: %v", "cannot save the access log's mark: %w", err)
	}
	return nil
}
