package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"time"

	"custodian"
)

var _ custodian.PolicyService = (*DB)(nil)

// CreatePolicyVersion stores v, which must be numbered one after the last version. Inside
// the transaction it checks again that v takes effect after the last version, so that two
// publishers cannot race past the rule.
func (db *DB) CreatePolicyVersion(ctx context.Context, v *custodian.PolicyVersion) error {
	sum := sha256.Sum256([]byte(v.Markdown))
	v.MarkdownSHA256 = hex.EncodeToString(sum[:])
	if v.PublishedAt.IsZero() {
		v.PublishedAt = db.Now()
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		var last int
		var lastEffective string
		err := tx.QueryRowContext(ctx, `SELECT number, effective FROM policy_versions ORDER BY number DESC LIMIT 1`).Scan(&last, &lastEffective)
		if err != nil && !isNoRows(err) {
			return err
		}
		if err == nil && v.Effective.String() <= lastEffective {
			return custodian.Errorf(custodian.ECONFLICT,
				"시행일 %s은 제%d판의 시행일 %s보다 뒤여야 합니다",
				"the effective date %s must be after version %d's effective date %s", v.Effective, last, lastEffective)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM registry_revisions WHERE revision = ?`, v.RegistryRevision).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return notFound("등록 정보 개정판 %d이 없습니다", "no registry revision %d", v.RegistryRevision)
		}
		if v.Number != last+1 {
			return custodian.Errorf(custodian.ECONFLICT,
				"제%d판을 공고하려 했으나 마지막 판이 제%d판입니다 (동시에 다른 판이 공고되었습니다); 다시 시도하십시오",
				"tried to publish version %d but the last version is %d (another was published meanwhile); try again", v.Number, last)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO policy_versions (number, announced, effective, reason, published_at, published_by, registry_revision, markdown, markdown_sha256)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			v.Number, v.Announced.String(), v.Effective.String(), v.Reason, v.PublishedAt.UTC().Format(time.RFC3339Nano), v.PublishedBy,
			v.RegistryRevision, v.Markdown, v.MarkdownSHA256)
		return err
	})
}

const versionColumns = `number, announced, effective, reason, published_at, published_by, registry_revision, markdown_sha256`

func scanVersion(sc interface{ Scan(...any) error }, extra ...any) (custodian.PolicyVersion, error) {
	var v custodian.PolicyVersion
	var announced, effective, published string
	dest := append([]any{&v.Number, &announced, &effective, &v.Reason, &published, &v.PublishedBy, &v.RegistryRevision, &v.MarkdownSHA256}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return v, err
	}
	var err error
	if v.Announced, err = custodian.ParseDate(announced); err != nil {
		return v, err
	}
	if v.Effective, err = custodian.ParseDate(effective); err != nil {
		return v, err
	}
	if v.PublishedAt, err = time.Parse(time.RFC3339Nano, published); err != nil {
		return v, err
	}
	return v, nil
}

// PolicyVersions lists every published version, oldest first.
func (db *DB) PolicyVersions(ctx context.Context) ([]custodian.PolicyVersion, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+versionColumns+` FROM policy_versions ORDER BY number`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []custodian.PolicyVersion{}
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// PolicyVersion returns version n with its registry snapshot and its text.
func (db *DB) PolicyVersion(ctx context.Context, n int) (*custodian.PolicyVersion, error) {
	var md string
	v, err := scanVersion(db.db.QueryRowContext(ctx, `SELECT `+versionColumns+`, markdown FROM policy_versions WHERE number = ?`, n), &md)
	if isNoRows(err) {
		return nil, notFound("방침 제%d판이 없습니다", "no policy version %d", n)
	}
	if err != nil {
		return nil, err
	}
	v.Markdown = md
	if v.Registry, err = db.revision(ctx, v.RegistryRevision); err != nil {
		return nil, err
	}
	return &v, nil
}
