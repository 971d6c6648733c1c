package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"custodian"
)

var _ custodian.ProvisionService = (*DB)(nil)

const provisionCols = `id, kind, agency, department, officer, contact, letter_no, letter_date, ground, basis, purpose, cameras, from_ns, to_ns, form, agreement,
	items, restrictions, pledge, status, channel, filed_by, filed_ns, decided_by, decider_name, decided_ns, refusal_reason, delivered_by, delivered_ns,
	export_id, attendee, opening, closed_by, closed_ns, note, updated_ns`

func provisionError(err error, p *custodian.Provision) error {
	if err != nil && strings.Contains(err.Error(), "CHECK constraint") {
		return custodian.Errorf(custodian.EINVALID, "제공 기록의 구분·근거·형태·상태가 올바르지 않습니다 (%s, %d호, %s, %s)", "the provision's kind, ground, form or status is not valid (%s, item %d, %s, %s)",
			p.Kind, p.Ground, p.Form, p.Status)
	}
	return err
}

// CreateProvision stores a new provision and sets its ID.
func (db *DB) CreateProvision(ctx context.Context, p *custodian.Provision) error {
	cams, err := json.Marshal(p.Cameras)
	if err != nil {
		return err
	}
	letter := ""
	if !p.LetterDate.IsZero() {
		letter = p.LetterDate.String()
	}
	res, err := db.db.ExecContext(ctx, `INSERT INTO provisions (kind, agency, department, officer, contact, letter_no, letter_date, ground, basis, purpose, cameras,
		from_ns, to_ns, form, agreement, items, restrictions, pledge, status, channel, filed_by, filed_ns, note, updated_ns)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.Kind, p.Agency, p.Department, p.Officer, p.Contact, p.LetterNo, letter, p.Ground, p.Basis, p.Purpose, string(cams),
		ns(p.From), ns(p.To), p.Form, p.Agreement, p.Items, p.Restrictions, b2i(p.Pledge), p.Status, p.Channel, p.FiledBy, ns(p.Filed), p.Note, ns(p.Updated))
	if err != nil {
		return provisionError(err, p)
	}
	p.ID, err = res.LastInsertId()
	return err
}

func scanProvision(row interface{ Scan(...any) error }) (*custodian.Provision, error) {
	var p custodian.Provision
	var letter, cams string
	var from, to, filed, decided, delivered, closed, updated int64
	var pledge int
	if err := row.Scan(&p.ID, &p.Kind, &p.Agency, &p.Department, &p.Officer, &p.Contact, &p.LetterNo, &letter, &p.Ground, &p.Basis, &p.Purpose, &cams,
		&from, &to, &p.Form, &p.Agreement, &p.Items, &p.Restrictions, &pledge, &p.Status, &p.Channel, &p.FiledBy, &filed, &p.DecidedBy, &p.DeciderName,
		&decided, &p.RefusalReason, &p.DeliveredBy, &delivered, &p.ExportID, &p.Attendee, &p.Opening, &p.ClosedBy, &closed, &p.Note, &updated); err != nil {
		return nil, err
	}
	if letter != "" {
		d, err := custodian.ParseDate(letter)
		if err != nil {
			return nil, err
		}
		p.LetterDate = d
	}
	if err := json.Unmarshal([]byte(cams), &p.Cameras); err != nil {
		return nil, err
	}
	p.From, p.To, p.Filed, p.Decided, p.Delivered, p.Closed, p.Updated = fromNS(from), fromNS(to), fromNS(filed), fromNS(decided), fromNS(delivered), fromNS(closed), fromNS(updated)
	p.Pledge = pledge == 1
	return &p, nil
}

// Provision returns one provision.
func (db *DB) Provision(ctx context.Context, id int64) (*custodian.Provision, error) {
	p, err := scanProvision(db.db.QueryRowContext(ctx, `SELECT `+provisionCols+` FROM provisions WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, notFound("제공 기록 %d번이 없습니다", "there is no provision %d", id)
	}
	return p, err
}

// Provisions lists provisions, newest first.
func (db *DB) Provisions(ctx context.Context, f custodian.ProvisionFilter) ([]custodian.Provision, error) {
	q := `SELECT ` + provisionCols + ` FROM provisions WHERE 1 = 1`
	var args []any
	if f.FiledBy != "" {
		q += ` AND filed_by = ?`
		args = append(args, f.FiledBy)
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	rows, err := db.db.QueryContext(ctx, q+` ORDER BY id DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []custodian.Provision{}
	for rows.Next() {
		p, err := scanProvision(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *p)
	}
	return out, rows.Err()
}

// UpdateProvision stores the workflow fields of p if its status is still from.
func (db *DB) UpdateProvision(ctx context.Context, p *custodian.Provision, from string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE provisions SET pledge = ?, status = ?, decided_by = ?, decider_name = ?, decided_ns = ?, refusal_reason = ?,
			delivered_by = ?, delivered_ns = ?, export_id = ?, attendee = ?, opening = ?, closed_by = ?, closed_ns = ?, note = ?, updated_ns = ?
			WHERE id = ? AND status = ?`,
			b2i(p.Pledge), p.Status, p.DecidedBy, p.DeciderName, ns(p.Decided), p.RefusalReason, p.DeliveredBy, ns(p.Delivered), p.ExportID, p.Attendee,
			p.Opening, p.ClosedBy, ns(p.Closed), p.Note, ns(p.Updated), p.ID, from)
		if err != nil {
			return provisionError(err, p)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var cur string
			if err := tx.QueryRowContext(ctx, `SELECT status FROM provisions WHERE id = ?`, p.ID).Scan(&cur); err != nil {
				if isNoRows(err) || err == sql.ErrNoRows {
					return notFound("제공 기록 %d번이 없습니다", "there is no provision %d", p.ID)
				}
				return err
			}
			return custodian.Errorf(custodian.ECONFLICT, "제공 기록 %d번은 이미 %s 상태입니다 (다른 사람이 먼저 처리했습니다)", "provision %d is already %s (someone else acted first)", p.ID, cur)
		}
		return nil
	})
}
