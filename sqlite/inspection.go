package sqlite

import (
	"context"
	"encoding/json"

	"custodian"
)

// AddInspection stores an inspection and sets its ID.
func (db *DB) AddInspection(ctx context.Context, in *custodian.Inspection) error {
	cams, err := json.Marshal(in.Cameras)
	if err != nil {
		return err
	}
	normal := 0
	if in.Normal {
		normal = 1
	}
	res, err := db.db.ExecContext(ctx, `INSERT INTO inspections (at_ns, inspector, from_ns, to_ns, normal, note, cameras) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		ns(in.At), in.Inspector, ns(in.From), ns(in.To), normal, in.Note, string(cams))
	if err != nil {
		return err
	}
	in.ID, err = res.LastInsertId()
	return err
}

// Inspections lists the inspections, newest first, at most limit.
func (db *DB) Inspections(ctx context.Context, limit int) ([]custodian.Inspection, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT id, at_ns, inspector, from_ns, to_ns, normal, note, cameras FROM inspections ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []custodian.Inspection
	for rows.Next() {
		var in custodian.Inspection
		var at, from, to int64
		var normal int
		var cams string
		if err := rows.Scan(&in.ID, &at, &in.Inspector, &from, &to, &normal, &in.Note, &cams); err != nil {
			return nil, err
		}
		in.At, in.From, in.To, in.Normal = fromNS(at), fromNS(from), fromNS(to), normal == 1
		if err := json.Unmarshal([]byte(cams), &in.Cameras); err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, rows.Err()
}
