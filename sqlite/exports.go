package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"custodian"
)

var _ custodian.ExportService = (*DB)(nil)

// CreateExport records an export made.
func (db *DB) CreateExport(ctx context.Context, e *custodian.Export) error {
	cams, err := json.Marshal(e.Cameras)
	if err != nil {
		return err
	}
	_, err = db.db.ExecContext(ctx, `INSERT INTO exports (id, request_id, provision_id, cameras, from_ns, to_ns, purpose, recipient, created_ns, created_by, path, manifest_sha256, size)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.Request, e.Provision, string(cams), ns(e.From), ns(e.To), e.Purpose, e.Recipient, ns(e.Created), e.CreatedBy, e.Path, e.ManifestSHA256, e.Size)
	switch {
	case isUnique(err):
		return custodian.Errorf(custodian.ECONFLICT, "반출 %s가 이미 기록되어 있습니다", "export %s is recorded already", custodian.Clip(e.ID, 64))
	case err != nil && errors.Is(err, context.Canceled):
		return err
	case err != nil:
		return custodian.Errorf(custodian.EINVALID, "반출 기록이 올바르지 않습니다: %w", "the export record is invalid: %w", err)
	}
	return nil
}

const exportColumns = `id, request_id, provision_id, cameras, from_ns, to_ns, purpose, recipient, created_ns, created_by, path, manifest_sha256, size`

func scanExport(sc interface{ Scan(...any) error }) (*custodian.Export, error) {
	var e custodian.Export
	var cams string
	var from, to, created int64
	if err := sc.Scan(&e.ID, &e.Request, &e.Provision, &cams, &from, &to, &e.Purpose, &e.Recipient, &created, &e.CreatedBy, &e.Path, &e.ManifestSHA256, &e.Size); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(cams), &e.Cameras); err != nil {
		return nil, err
	}
	e.From, e.To, e.Created = fromNS(from), fromNS(to), fromNS(created)
	return &e, nil
}

// Export returns an export by ID.
func (db *DB) Export(ctx context.Context, id string) (*custodian.Export, error) {
	e, err := scanExport(db.db.QueryRowContext(ctx, `SELECT `+exportColumns+` FROM exports WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, custodian.Errorf(custodian.ENOTFOUND, "반출 %s가 없습니다", "no export %s", custodian.Clip(id, 64))
	}
	return e, err
}

// Exports lists the exports of a request or a provision (both 0: all), newest first.
func (db *DB) Exports(ctx context.Context, request, provision int64) ([]custodian.Export, error) {
	q, args := `SELECT `+exportColumns+` FROM exports`, []any{}
	switch {
	case request != 0:
		q, args = q+` WHERE request_id = ?`, append(args, request)
	case provision != 0:
		q, args = q+` WHERE provision_id = ?`, append(args, provision)
	}
	rows, err := db.db.QueryContext(ctx, q+` ORDER BY created_ns DESC, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []custodian.Export
	for rows.Next() {
		e, err := scanExport(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *e)
	}
	return out, rows.Err()
}

// CreateDownloadLink stores a download link and sets its ID.
func (db *DB) CreateDownloadLink(ctx context.Context, l *custodian.DownloadLink) error {
	if len(l.TokenSHA256) != 32 {
		return custodian.Errorf(custodian.EINVALID, "내려받기 링크의 토큰 해시가 올바르지 않습니다", "bad download token hash")
	}
	if l.MaxUses < 1 || l.Uses != 0 || !l.Expires.After(l.Created) {
		return custodian.Errorf(custodian.EINVALID, "내려받기 링크의 횟수나 만료 시각이 올바르지 않습니다", "bad uses or expiry of a download link")
	}
	if _, err := db.Export(ctx, l.Export); err != nil {
		return err
	}
	res, err := db.db.ExecContext(ctx, `INSERT INTO download_links (token_sha256, export_id, expires_ns, max_uses, uses, created_ns, created_by) VALUES (?, ?, ?, ?, 0, ?, ?)`,
		l.TokenSHA256, l.Export, ns(l.Expires), l.MaxUses, ns(l.Created), l.CreatedBy)
	if isUnique(err) {
		return custodian.Errorf(custodian.ECONFLICT, "같은 토큰의 링크가 이미 있습니다", "a link with this token exists already")
	}
	if err != nil {
		return err
	}
	l.ID, err = res.LastInsertId()
	return err
}

const linkColumns = `id, export_id, token_sha256, expires_ns, max_uses, uses, created_ns, created_by`

func scanLink(sc interface{ Scan(...any) error }) (*custodian.DownloadLink, error) {
	var l custodian.DownloadLink
	var exp, created int64
	if err := sc.Scan(&l.ID, &l.Export, &l.TokenSHA256, &exp, &l.MaxUses, &l.Uses, &created, &l.CreatedBy); err != nil {
		return nil, err
	}
	l.Expires, l.Created = fromNS(exp), fromNS(created)
	return &l, nil
}

// UseDownloadLink counts one use of a link in one statement: only a known link that has
// not expired and has uses left is counted. Unknown, expired and used-up links get the
// same error.
func (db *DB) UseDownloadLink(ctx context.Context, token string, now time.Time) (*custodian.DownloadLink, *custodian.Export, error) {
	if token == "" || len(token) > 128 {
		return nil, nil, custodian.ErrDownloadLink()
	}
	l, err := scanLink(db.db.w.QueryRowContext(ctx, `UPDATE download_links SET uses = uses + 1
		WHERE token_sha256 = ? AND expires_ns > ? AND uses < max_uses RETURNING `+linkColumns, custodian.TokenHash(token), ns(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, custodian.ErrDownloadLink()
	}
	if err != nil {
		return nil, nil, err
	}
	e, err := db.Export(ctx, l.Export)
	if err != nil {
		return nil, nil, err
	}
	return l, e, nil
}

// DownloadLinks lists an export's links, oldest first.
func (db *DB) DownloadLinks(ctx context.Context, export string) ([]custodian.DownloadLink, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+linkColumns+` FROM download_links WHERE export_id = ? ORDER BY id`, export)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []custodian.DownloadLink
	for rows.Next() {
		l, err := scanLink(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *l)
	}
	return out, rows.Err()
}
