package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"custodian"
)

var _ custodian.RegistryService = (*DB)(nil)

// SaveRegistry validates r and, in one transaction, appends it as a new revision and
// rebuilds the projection tables from it.
func (db *DB) SaveRegistry(ctx context.Context, r *custodian.Registry, source string) (custodian.RegistryMeta, error) {
	return db.saveRegistry(ctx, r, source, -1)
}

// SaveRegistryOver is SaveRegistry if the current revision is base (0: none yet).
func (db *DB) SaveRegistryOver(ctx context.Context, r *custodian.Registry, source string, base int64) (custodian.RegistryMeta, error) {
	if base < 0 {
		return custodian.RegistryMeta{}, custodian.Errorf(custodian.EINVALID, "기준 개정판 %d가 올바르지 않습니다", "bad base revision %d", base)
	}
	return db.saveRegistry(ctx, r, source, base)
}

// saveRegistry saves r; base, unless negative, is the revision it must replace.
func (db *DB) saveRegistry(ctx context.Context, r *custodian.Registry, source string, base int64) (custodian.RegistryMeta, error) {
	if err := r.Validate(); err != nil {
		return custodian.RegistryMeta{}, err
	}
	doc, err := json.Marshal(r)
	if err != nil {
		return custodian.RegistryMeta{}, err
	}
	sum := sha256.Sum256(doc)
	meta := custodian.RegistryMeta{
		Source:  source,
		SHA256:  hex.EncodeToString(sum[:]),
		SavedAt: db.Now().UTC().Format(time.RFC3339),
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		var cur custodian.RegistryMeta
		err := tx.QueryRowContext(ctx, `SELECT revision, source, sha256, saved_at FROM registry_revisions ORDER BY revision DESC LIMIT 1`).
			Scan(&cur.Revision, &cur.Source, &cur.SHA256, &cur.SavedAt)
		switch {
		case err != nil && !isNoRows(err):
			return err
		case base >= 0 && cur.Revision != base:
			return custodian.Errorf(custodian.ECONFLICT, "등록부가 그사이 개정판 %d(%s)로 바뀌었습니다: 다시 읽고 고치십시오", "the registry changed meanwhile to revision %d (%s): read it again and redo the change",
				cur.Revision, cur.Source)
		case err == nil && cur.SHA256 == meta.SHA256:
			meta = cur
			meta.Unchanged = true
			return nil
		case err != nil && !isNoRows(err):
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO registry_revisions (saved_at, source, sha256, document) VALUES (?, ?, ?, ?)`,
			meta.SavedAt, meta.Source, meta.SHA256, string(doc))
		if err != nil {
			return err
		}
		if meta.Revision, err = res.LastInsertId(); err != nil {
			return err
		}
		return project(ctx, tx, r, meta.Revision)
	})
	if err != nil {
		return custodian.RegistryMeta{}, err
	}
	return meta, nil
}

// project replaces the projection tables with the contents of r.
func project(ctx context.Context, tx *sql.Tx, r *custodian.Registry, revision int64) error {
	for _, t := range []string{"person_sites", "people", "camera_group_purposes", "camera_groups", "retention_classes", "purposes", "sites", "organisation"} {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+t); err != nil {
			return err
		}
	}
	o := r.Organisation
	if _, err := tx.ExecContext(ctx, `INSERT INTO organisation (id, name, sector, homepage, revision) VALUES (?, ?, ?, ?, ?)`,
		o.ID, o.Name, o.Sector, o.Homepage, revision); err != nil {
		return err
	}
	x := r.Index()
	ins := func(query string) (*sql.Stmt, error) { return tx.PrepareContext(ctx, query) }
	siteStmt, err := ins(`INSERT INTO sites (id, ord, parent_id, name, kind, address, stated_total, no_cameras_reason, cameras_own, cameras_total)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer siteStmt.Close()
	for i, s := range r.Sites {
		own := 0
		for _, g := range s.CameraGroups {
			own += g.Count
		}
		if _, err := siteStmt.ExecContext(ctx, s.ID, i, nullString(s.Parent), s.Name, s.Kind, s.Address, nullInt(s.StatedTotal),
			s.NoCamerasReason, own, x.SiteTotal(s.ID)); err != nil {
			return err
		}
	}
	for i, p := range r.Purposes {
		if _, err := tx.ExecContext(ctx, `INSERT INTO purposes (id, ord, name, basis_kind, basis_item, basis_law, basis_article) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			p.ID, i, p.Name, p.Basis.Kind, p.Basis.Item, p.Basis.Law, p.Basis.Article); err != nil {
			return err
		}
	}
	for i, c := range r.RetentionClasses {
		if _, err := tx.ExecContext(ctx, `INSERT INTO retention_classes (id, ord, name, filming_hours, retention_days, retention_months, storage_place) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			c.ID, i, c.Name, c.FilmingHours, c.RetentionDays, c.RetentionMonths, c.StoragePlace); err != nil {
			return err
		}
	}
	groupStmt, err := ins(`INSERT INTO camera_groups (id, ord, site_id, category, area, count, locations, range_text, radius, type, retention_class_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer groupStmt.Close()
	gpStmt, err := ins(`INSERT INTO camera_group_purposes (group_id, purpose_id, ord) VALUES (?, ?, ?)`)
	if err != nil {
		return err
	}
	defer gpStmt.Close()
	ord := 0
	for _, s := range r.Sites {
		for _, g := range s.CameraGroups {
			locs, _ := json.Marshal(g.Locations)
			if _, err := groupStmt.ExecContext(ctx, g.ID, ord, s.ID, g.Category, g.Area, g.Count, string(locs), g.Range, g.Radius, g.Type, g.RetentionClass); err != nil {
				return err
			}
			ord++
			for k, p := range g.Purposes {
				if _, err := gpStmt.ExecContext(ctx, g.ID, p, k); err != nil {
					return err
				}
			}
		}
	}
	for i, p := range r.People {
		if _, err := tx.ExecContext(ctx, `INSERT INTO people (id, ord, name, role, rank, department, title, phone, email) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, i, p.Name, p.Role, p.Rank, p.Department, p.Title, p.Phone, p.Email); err != nil {
			return err
		}
		for _, s := range p.Sites {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO person_sites (person_id, site_id) VALUES (?, ?)`, p.ID, s); err != nil {
				return err
			}
		}
	}
	return nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullInt(n int) any {
	if n == 0 {
		return nil
	}
	return n
}

// Registry returns the current registry.
func (db *DB) Registry(ctx context.Context) (*custodian.Registry, custodian.RegistryMeta, error) {
	var meta custodian.RegistryMeta
	var doc string
	err := db.db.QueryRowContext(ctx, `SELECT revision, source, sha256, saved_at, document FROM registry_revisions ORDER BY revision DESC LIMIT 1`).
		Scan(&meta.Revision, &meta.Source, &meta.SHA256, &meta.SavedAt, &doc)
	if isNoRows(err) {
		return nil, meta, notFound("등록된 기관 정보가 없습니다. 먼저 'custodian import FILE'로 가져오십시오",
			"no registry yet; import one with 'custodian import FILE'")
	}
	if err != nil {
		return nil, meta, err
	}
	r, err := decodeRegistry(doc)
	return r, meta, err
}

// RegistryMeta returns the current registry's revision, source, hash and time.
func (db *DB) RegistryMeta(ctx context.Context) (custodian.RegistryMeta, error) {
	var meta custodian.RegistryMeta
	err := db.db.QueryRowContext(ctx, `SELECT revision, source, sha256, saved_at FROM registry_revisions ORDER BY revision DESC LIMIT 1`).
		Scan(&meta.Revision, &meta.Source, &meta.SHA256, &meta.SavedAt)
	if isNoRows(err) {
		return meta, notFound("등록된 기관 정보가 없습니다. 먼저 'custodian import FILE'로 가져오십시오",
			"no registry yet; import one with 'custodian import FILE'")
	}
	return meta, err
}

// revision returns the registry stored as the given revision.
func (db *DB) revision(ctx context.Context, rev int64) (*custodian.Registry, error) {
	var doc string
	err := db.db.QueryRowContext(ctx, `SELECT document FROM registry_revisions WHERE revision = ?`, rev).Scan(&doc)
	if err != nil {
		return nil, err
	}
	return decodeRegistry(doc)
}

func decodeRegistry(doc string) (*custodian.Registry, error) {
	var r custodian.Registry
	if err := json.Unmarshal([]byte(doc), &r); err != nil {
		return nil, errors.New("sqlite: stored registry cannot be read: " + err.Error())
	}
	return &r, nil
}

// ListSites lists the sites of the current registry.
func (db *DB) ListSites(ctx context.Context) ([]custodian.SiteSummary, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT id, name, kind, COALESCE(parent_id, ''), address, COALESCE(stated_total, 0), no_cameras_reason, cameras_own, cameras_total
		FROM sites ORDER BY ord`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []custodian.SiteSummary{}
	for rows.Next() {
		var s custodian.SiteSummary
		if err := rows.Scan(&s.ID, &s.Name, &s.Kind, &s.Parent, &s.Address, &s.StatedTotal, &s.NoCamerasReason, &s.Cameras, &s.CamerasTotal); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// ListCameraGroups lists camera groups, all or those at siteID and below.
func (db *DB) ListCameraGroups(ctx context.Context, siteID string) ([]custodian.CameraGroupSummary, error) {
	query := `SELECT g.id, g.site_id, s.name, g.category, g.area, g.count, g.locations, g.range_text, g.radius, g.type, g.retention_class_id,
		COALESCE((SELECT json_group_array(purpose_id) FROM (SELECT purpose_id FROM camera_group_purposes WHERE group_id = g.id ORDER BY ord)), '[]')
		FROM camera_groups g JOIN sites s ON s.id = g.site_id`
	var args []any
	if siteID != "" {
		var n int
		if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sites WHERE id = ?`, siteID).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, notFound("사이트 %q가 없습니다", "no site with ID %q", siteID)
		}
		query = `WITH RECURSIVE scope(id) AS (SELECT ? UNION SELECT sites.id FROM sites JOIN scope ON sites.parent_id = scope.id) ` +
			query + ` WHERE g.site_id IN (SELECT id FROM scope)`
		args = append(args, siteID)
	}
	rows, err := db.db.QueryContext(ctx, query+` ORDER BY g.ord`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []custodian.CameraGroupSummary{}
	for rows.Next() {
		var g custodian.CameraGroupSummary
		var locs, purposes string
		if err := rows.Scan(&g.ID, &g.Site, &g.SiteName, &g.Category, &g.Area, &g.Count, &locs, &g.Range, &g.Radius, &g.Type, &g.RetentionClass, &purposes); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(locs), &g.Locations); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(purposes), &g.Purposes); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}
