package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"custodian"
)

var _ custodian.RequestService = (*DB)(nil)

// Data-subject requests (migrations 5 and 10; docs/SCHEMA.md). The structured parts of a
// request (holds, postponements, grounds, the existence answer, the deletion outcome, the
// delivery) are stored as JSON in their columns; every update names the version it read.

const requestCols = `id, code, kind, name, contact, from_ns, to_ns, place, camera, purpose, relationship, proxy_document, channel, filed_ns, due, status,
	updated_ns, version, identity_by, identity_method, identity_ns, identity_note, hold_cameras, hold_ids, hold_margin_ns, hold_release,
	holds_released_ns, postponements, decision, grounds, decided_ns, decided_by, note, objection, existence, deletion, delivery, fee, closed_ns, closed_by`

func scanRequest(r scanner) (*custodian.SubjectRequest, error) {
	var q custodian.SubjectRequest
	var from, to, filed, updated, identityNS, margin, released, decided, closed int64
	var due, identityBy, identityMethod, identityNote, holdCameras, holdIDs, release, postponements, grounds, existence, deletion, delivery string
	if err := r.Scan(&q.ID, &q.Code, &q.Kind, &q.Name, &q.Contact, &from, &to, &q.Place, &q.Camera, &q.Purpose, &q.Relationship, &q.ProxyDocument, &q.Channel,
		&filed, &due, &q.Status, &updated, &q.Version, &identityBy, &identityMethod, &identityNS, &identityNote, &holdCameras, &holdIDs, &margin, &release,
		&released, &postponements, &q.Decision, &grounds, &decided, &q.DecidedBy, &q.Note, &q.Objection, &existence, &deletion, &delivery, &q.Fee,
		&closed, &q.ClosedBy); err != nil {
		return nil, err
	}
	q.From, q.To, q.Filed, q.Updated, q.Decided, q.Closed = fromNS(from), fromNS(to), fromNS(filed), fromNS(updated), fromNS(decided), fromNS(closed)
	var err error
	if q.Due, err = custodian.ParseDate(due); err != nil {
		return nil, err
	}
	if identityMethod != "" {
		q.Identity = &custodian.IdentityCheck{By: identityBy, Method: identityMethod, At: fromNS(identityNS), Note: identityNote}
	}
	q.Preservation.Margin = time.Duration(margin)
	q.Preservation.Released = fromNS(released)
	if release != "" {
		if q.Preservation.Release, err = custodian.ParseDate(release); err != nil {
			return nil, err
		}
	}
	for _, j := range []struct {
		s string
		v any
	}{{holdCameras, &q.Preservation.Cameras}, {holdIDs, &q.Preservation.Holds}, {postponements, &q.Postponements}, {grounds, &q.Grounds},
		{existence, &q.Existence}, {deletion, &q.Deletion}, {delivery, &q.Delivery}} {
		if j.s == "" {
			continue
		}
		if err := json.Unmarshal([]byte(j.s), j.v); err != nil {
			return nil, custodian.Errorf(custodian.EINTERNAL, "청구 #%d의 저장된 값을 읽을 수 없습니다: %w", "request #%d: cannot read a stored value: %w", q.ID, err)
		}
	}
	return &q, nil
}

// requestValues returns the columns after id, in requestCols order.
func requestValues(q *custodian.SubjectRequest) ([]any, error) {
	js := func(v any, empty string) (string, error) {
		b, err := json.Marshal(v)
		if err != nil {
			return "", err
		}
		if string(b) == "null" {
			return empty, nil
		}
		return string(b), nil
	}
	var idBy, idMethod, idNote string
	var idAt int64
	if q.Identity != nil {
		idBy, idMethod, idAt, idNote = q.Identity.By, q.Identity.Method, ns(q.Identity.At), q.Identity.Note
	}
	var strs []string
	for _, v := range []struct {
		v     any
		empty string
	}{{q.Preservation.Cameras, "[]"}, {q.Preservation.Holds, "[]"}, {q.Postponements, "[]"}, {q.Grounds, "[]"}, {q.Existence, ""}, {q.Deletion, ""}, {q.Delivery, ""}} {
		s, err := js(v.v, v.empty)
		if err != nil {
			return nil, err
		}
		strs = append(strs, s)
	}
	return []any{q.Code, q.Kind, q.Name, q.Contact, ns(q.From), ns(q.To), q.Place, q.Camera, q.Purpose, q.Relationship, q.ProxyDocument, q.Channel,
		ns(q.Filed), q.Due.String(), q.Status, ns(q.Updated), q.Version, idBy, idMethod, idAt, idNote, strs[0], strs[1], int64(q.Preservation.Margin),
		q.Preservation.Release.String(), ns(q.Preservation.Released), strs[2], q.Decision, strs[3], ns(q.Decided), q.DecidedBy, q.Note, q.Objection,
		strs[4], strs[5], strs[6], q.Fee, ns(q.Closed), q.ClosedBy}, nil
}

func requestErr(err error, q *custodian.SubjectRequest) error {
	switch {
	case err == nil:
		return nil
	case strings.Contains(err.Error(), "UNIQUE"):
		return custodian.Errorf(custodian.ECONFLICT, "접수 번호 %s는 이미 있습니다", "the tracking code %s exists", q.Code)
	case strings.Contains(err.Error(), "CHECK constraint"):
		return custodian.Errorf(custodian.EINVALID, "청구의 종류·경로·상태·결정·본인 확인 방법·수수료 중 올바르지 않은 값이 있습니다 (%s, %s, %s, %s)",
			"the request's kind, channel, status, decision, identity method or fee is not valid (%s, %s, %s, %s)", q.Kind, q.Channel, q.Status, q.Decision)
	}
	return err
}

// CreateRequest stores a request.
func (db *DB) CreateRequest(ctx context.Context, q *custodian.SubjectRequest) error {
	if q.Code == "" {
		return custodian.Errorf(custodian.EINVALID, "청구에 접수 번호가 없습니다", "the request has no tracking code")
	}
	saved := q.Version
	q.Version = 1
	vals, err := requestValues(q)
	if err != nil {
		q.Version = saved
		return err
	}
	cols := strings.TrimPrefix(requestCols, "id, ")
	res, err := db.db.ExecContext(ctx, `INSERT INTO subject_requests (`+cols+`) VALUES (?`+strings.Repeat(", ?", len(vals)-1)+`)`, vals...)
	if err != nil {
		q.Version = saved
		return requestErr(err, q)
	}
	q.ID, err = res.LastInsertId()
	return err
}

// UpdateRequest stores q and appends ev, only if the stored version is q.Version.
func (db *DB) UpdateRequest(ctx context.Context, q *custodian.SubjectRequest, ev custodian.RequestEvent) error {
	next := *q
	next.Version++
	vals, err := requestValues(&next)
	if err != nil {
		return err
	}
	cols := strings.Split(strings.TrimPrefix(requestCols, "id, "), ",")
	for i := range cols {
		cols[i] = strings.TrimSpace(cols[i]) + " = ?"
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE subject_requests SET `+strings.Join(cols, ", ")+` WHERE id = ? AND version = ?`, append(vals, q.ID, q.Version)...)
		if err != nil {
			return requestErr(err, q)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			var v int64
			if err := tx.QueryRowContext(ctx, `SELECT version FROM subject_requests WHERE id = ?`, q.ID).Scan(&v); isNoRows(err) {
				return notFound("청구 #%d이 없습니다", "there is no request #%d", q.ID)
			}
			return custodian.Errorf(custodian.ECONFLICT, "청구 %s는 그사이 다른 사람이 바꾸었습니다 (판 %d, 지금 판 %d): 다시 읽고 하십시오",
				"request %s was changed meanwhile by someone else (version %d, now %d): read it again", q.Code, q.Version, v)
		}
		ev.Request = q.ID
		return insertRequestEvent(ctx, tx, &ev)
	})
	if err != nil {
		return err
	}
	q.Version = next.Version
	return nil
}

func insertRequestEvent(ctx context.Context, tx *sql.Tx, ev *custodian.RequestEvent) error {
	if ev.Actor == "" || ev.Action == "" || ev.At.IsZero() {
		return custodian.Errorf(custodian.EINVALID, "청구 이력에는 시각, 행위자, 행위가 필요합니다", "a request event needs a time, an actor and an action")
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO request_events (request, at_ns, actor, action, detail) VALUES (?, ?, ?, ?, ?)`,
		ev.Request, ns(ev.At), ev.Actor, ev.Action, ev.Detail)
	if err != nil {
		if strings.Contains(err.Error(), "FOREIGN KEY") {
			return notFound("청구 #%d이 없습니다", "there is no request #%d", ev.Request)
		}
		return err
	}
	ev.ID, err = res.LastInsertId()
	return err
}

// AddRequestEvent appends to a request's history.
func (db *DB) AddRequestEvent(ctx context.Context, ev *custodian.RequestEvent) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM subject_requests WHERE id = ?`, ev.Request).Scan(&one); isNoRows(err) {
			return notFound("청구 #%d이 없습니다", "there is no request #%d", ev.Request)
		} else if err != nil {
			return err
		}
		return insertRequestEvent(ctx, tx, ev)
	})
}

// RequestEvents returns a request's history, oldest first.
func (db *DB) RequestEvents(ctx context.Context, id int64) ([]custodian.RequestEvent, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT id, request, at_ns, actor, action, detail FROM request_events WHERE request = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []custodian.RequestEvent
	for rows.Next() {
		var e custodian.RequestEvent
		var at int64
		if err := rows.Scan(&e.ID, &e.Request, &at, &e.Actor, &e.Action, &e.Detail); err != nil {
			return nil, err
		}
		e.At = fromNS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// RequestByCode returns a request by its tracking code.
func (db *DB) RequestByCode(ctx context.Context, code string) (*custodian.SubjectRequest, error) {
	q, err := scanRequest(db.db.QueryRowContext(ctx, `SELECT `+requestCols+` FROM subject_requests WHERE code = ?`, code))
	if isNoRows(err) {
		return nil, notFound("접수 번호 %s의 청구가 없습니다", "there is no request with tracking code %s", code)
	}
	return q, err
}

// Request returns a request by ID.
func (db *DB) Request(ctx context.Context, id int64) (*custodian.SubjectRequest, error) {
	q, err := scanRequest(db.db.QueryRowContext(ctx, `SELECT `+requestCols+` FROM subject_requests WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, notFound("청구 #%d이 없습니다", "there is no request #%d", id)
	}
	return q, err
}

func (db *DB) queryRequests(ctx context.Context, where string, args ...any) ([]custodian.SubjectRequest, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+requestCols+` FROM subject_requests `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []custodian.SubjectRequest
	for rows.Next() {
		q, err := scanRequest(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *q)
	}
	return out, rows.Err()
}

// Requests lists requests, newest first; open: not closed or withdrawn.
func (db *DB) Requests(ctx context.Context, open bool) ([]custodian.SubjectRequest, error) {
	where := ``
	if open {
		where = `WHERE status NOT IN ('closed', 'withdrawn') `
	}
	return db.queryRequests(ctx, where+`ORDER BY filed_ns DESC, id DESC`)
}

// HoldsToRelease lists the requests whose holds are due for release on or before day.
func (db *DB) HoldsToRelease(ctx context.Context, day custodian.Date) ([]custodian.SubjectRequest, error) {
	return db.queryRequests(ctx, `WHERE holds_released_ns = 0 AND hold_release <> '' AND hold_release <= ? ORDER BY hold_release, id`, day.String())
}
