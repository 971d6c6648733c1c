// Package sqlite stores Custodian's catalog in an embedded SQLite database (the default,
// single-machine deployment). It implements the domain's storage interfaces
// (custodian.RegistryService, custodian.PolicyService); a PostgreSQL adapter implements the
// same interfaces for the scale-out path. Schema changes are numbered migrations in
// migrations/, applied in order at open; docs/SCHEMA.md describes the tables.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"custodian"

	msqlite "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// DB is an open Custodian database.
type DB struct {
	db   *pools // the writer connection and the readers (pool.go)
	path string
	// Now returns the current time; tests may replace it.
	Now func() time.Time
}

// Open opens (creating if needed) the database at path and applies pending migrations. It
// refuses a database written by a newer Custodian. The database holds requesters' names
// and contacts: it is created readable by its owner only (0600), and an existing one, with
// its -wal and -shm files, is tightened to 0600 at open.
func Open(ctx context.Context, path string) (*DB, error) {
	if err := private(path, true); err != nil {
		return nil, err
	}
	sdb, err := openPools(path)
	if err != nil {
		return nil, err
	}
	db := &DB{db: sdb, path: path, Now: time.Now}
	if err := db.migrate(ctx); err != nil {
		sdb.Close()
		if d := Damage(err, path); d != nil {
			return nil, d
		}
		return nil, err
	}
	// SQLite gives the -wal and -shm files the main file's mode; older databases may
	// have been made before that was 0600.
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := private(path+suffix, false); err != nil {
			sdb.Close()
			return nil, err
		}
	}
	return db, nil
}

// Mode is the file mode of the database and its -wal and -shm files.
const Mode = 0o600

// private creates the file at path with Mode if create is set and it does not exist, and
// takes away any permission beyond Mode from an existing one.
func private(path string, create bool) error {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && create:
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, Mode)
		if err != nil && !errors.Is(err, fs.ErrExist) {
			return custodian.Errorf(custodian.EINTERNAL, "데이터베이스 %s를 만들 수 없습니다: %w", "cannot create the database %s: %w", path, err)
		}
		if f != nil {
			return f.Close()
		}
		return nil
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return custodian.Errorf(custodian.EINTERNAL, "데이터베이스 %s를 확인할 수 없습니다: %w", "cannot stat the database %s: %w", path, err)
	}
	if st.Mode().Perm()&^Mode == 0 {
		return nil
	}
	if err := os.Chmod(path, st.Mode().Perm()&Mode); err != nil {
		return custodian.Errorf(custodian.EINTERNAL, "%s의 권한을 0600으로 줄일 수 없습니다: %w", "cannot restrict %s to mode 0600: %w", path, err)
	}
	return nil
}

// Path returns the database file's path.
func (db *DB) Path() string { return db.path }

// Check runs SQLite's quick_check over the whole database: every page of every table and
// index is read and its structure checked (not that indexes match their tables, which
// integrity_check adds at four times the cost). It takes about 5 s for a 400 MB database
// (a million segments) on one core (docs/OPERATIONS.md). It returns nil, or an EINTERNAL
// error naming the file, the first problems found and what to do.
func (db *DB) Check(ctx context.Context) error {
	rows, err := db.db.QueryContext(ctx, `PRAGMA quick_check(10)`)
	if err != nil {
		if d := Damage(err, db.path); d != nil {
			return d
		}
		return custodian.Errorf(custodian.EINTERNAL, "데이터베이스 %s를 검사할 수 없습니다: %w", "cannot check the database %s: %w", db.path, err)
	}
	defer rows.Close()
	var found []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return err
		}
		if line != "ok" {
			found = append(found, line)
		}
	}
	if err := rows.Err(); err != nil {
		if d := Damage(err, db.path); d != nil {
			return d
		}
		return err
	}
	if len(found) == 0 {
		return nil
	}
	return damaged(db.path, strings.Join(found, "; "))
}

// Damage returns an EINTERNAL error naming the database file and what to do when err says
// the file is damaged (SQLITE_CORRUPT, SQLITE_NOTADB), and nil for any other error.
func Damage(err error, path string) error {
	var se *msqlite.Error
	if !errors.As(err, &se) {
		return nil
	}
	switch se.Code() & 0xff {
	case sqliteCorrupt, sqliteNotADB:
		return damaged(path, err.Error())
	}
	return nil
}

const (
	sqliteCorrupt = 11
	sqliteNotADB  = 26
)

func damaged(path, what string) error {
	return custodian.Errorf(custodian.EINTERNAL,
		"데이터베이스 %s가 손상되었습니다 (%s). 백업에서 복원하십시오: docs/OPERATIONS.md의 '손상된 데이터베이스'를 보십시오",
		"the database %s is damaged (%s). Restore it from a backup: see 'Damaged database' in docs/OPERATIONS.md",
		path, custodian.Clip(what, 200))
}

// Close closes the database.
func (db *DB) Close() error { return db.db.Close() }

// SQL returns the underlying handle of the writer connection, for adapters in this
// package's tests and tools.
func (db *DB) SQL() *sql.DB { return db.db.w }

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("sqlite: migration file %q must start with a number and '_'", e.Name())
		}
		b, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{v, e.Name(), string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("sqlite: migrations must be numbered 1, 2, ... without gaps; found %s", m.name)
		}
	}
	return out, nil
}

// SchemaVersion returns the version of the newest migration this build knows.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil {
		return 0
	}
	return len(ms)
}

func (db *DB) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	if _, err := db.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("sqlite: cannot open %s: %w", db.path, err)
	}
	var cur int
	if err := db.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&cur); err != nil {
		return err
	}
	if cur > len(ms) {
		return custodian.Errorf(custodian.ECONFLICT,
			"데이터베이스 스키마 버전 %d은 이 Custodian이 아는 버전 %d보다 새롭습니다; 더 새로운 Custodian으로 여십시오",
			"the database schema version %d is newer than this Custodian's %d; open it with a newer Custodian", cur, len(ms))
	}
	for _, m := range ms[cur:] {
		err := db.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("sqlite: migration %s: %w", m.name, err)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, db.Now().UTC().Format(time.RFC3339))
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// tx runs fn in a write transaction, committing if it returns nil.
func (db *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func notFound(ko, en string, args ...any) error {
	return custodian.Errorf(custodian.ENOTFOUND, ko, en, args...)
}

var errNoRows = sql.ErrNoRows

func isNoRows(err error) bool { return errors.Is(err, errNoRows) }
