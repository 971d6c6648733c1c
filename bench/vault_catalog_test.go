package bench

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"custodian"
)

// Helpers of the vault benchmarks: temporary directories that live as long as the test
// process, catalogs filled by SQL, copying a data directory, CPU time, and a catalog that
// times the calls the retention cycle makes.

var (
	processDirsMu sync.Mutex
	processDirs   []string
)

// processTempDir makes a directory that TestMain removes when the process ends: the big
// catalogs are built once per process and shared by every run of a benchmark (-count).
func processTempDir(pattern string) (string, error) {
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		return "", err
	}
	processDirsMu.Lock()
	processDirs = append(processDirs, dir)
	processDirsMu.Unlock()
	return dir, nil
}

func removeProcessDirs() {
	processDirsMu.Lock()
	defer processDirsMu.Unlock()
	for _, d := range processDirs {
		os.RemoveAll(d)
	}
	processDirs = nil
}

// cpuTime returns the user plus system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchRetention is the retention of all the benchmark footage: 30 days.
var benchRetention = custodian.Retention{Days: 30}

// Placeholder sizes of the segments inserted by SQL: 16 MiB of footage, stored in 256
// sealed chunks after a 64-byte header.
const (
	bulkPlainSize  = 16 << 20
	bulkStoredSize = 64 + 256*(64<<10+16)
)

// bulkKey is a period key to insert by SQL.
type bulkKey struct {
	camera string
	day    custodian.Date
}

// catalogBuilder fills a catalog by SQL on one connection and in one transaction, outside
// the vault: period keys with a placeholder wrapped key (never unwrapped by what is
// benchmarked) and 1,440 one-minute segments per key. Segments are inserted in time order,
// the cameras of a minute one after the other, as a recorder would: a key's rows are
// spread over its day.
type catalogBuilder struct {
	ctx      context.Context
	conn     *sql.Conn
	tx       *sql.Tx
	masterID string
	created  int64
	rows     int64
}

func newCatalogBuilder(ctx context.Context, db *sql.DB, created time.Time) (*catalogBuilder, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	cb := &catalogBuilder{ctx: ctx, conn: conn, created: created.UnixNano()}
	// Building only: no fsync, and a page cache that holds the whole transaction (the
	// segment ID index takes random inserts). close restores both.
	for _, p := range []string{`PRAGMA synchronous = OFF`, `PRAGMA cache_size = -6000000`,
		`CREATE TEMP TABLE IF NOT EXISTS bench_daykeys (camera_id TEXT NOT NULL, key_id TEXT NOT NULL, dir TEXT NOT NULL)`,
		`CREATE TEMP TABLE IF NOT EXISTS bench_realpos (camera_id TEXT NOT NULL, start_ns INTEGER NOT NULL, PRIMARY KEY (camera_id, start_ns)) WITHOUT ROWID`,
		`CREATE TEMP TABLE IF NOT EXISTS bench_prefix (camera_id TEXT PRIMARY KEY, prefix TEXT NOT NULL)`,
	} {
		if _, err := conn.ExecContext(ctx, p); err != nil {
			conn.Close()
			return nil, fmt.Errorf("%s: %w", p, err)
		}
	}
	if err := conn.QueryRowContext(ctx, `SELECT value FROM vault_meta WHERE key = 'master_key_id'`).Scan(&cb.masterID); err != nil {
		conn.Close()
		return nil, fmt.Errorf("master key ID: %w", err)
	}
	if cb.tx, err = conn.BeginTx(ctx, nil); err != nil {
		conn.Close()
		return nil, err
	}
	return cb, nil
}

// skip marks (camera, start) positions that already hold a real segment.
func (cb *catalogBuilder) skip(segs []custodian.Segment) error {
	st, err := cb.tx.PrepareContext(cb.ctx, `INSERT OR IGNORE INTO bench_realpos (camera_id, start_ns) VALUES (?, ?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, s := range segs {
		if _, err := st.ExecContext(cb.ctx, s.Camera, s.Start.UnixNano()); err != nil {
			return err
		}
	}
	return nil
}

// day inserts the keys of one day that do not exist yet (expiring at expires, or by the
// benchmark retention when zero) and then a segment for every minute of the day under
// every key of that day, except the positions marked by skip.
func (cb *catalogBuilder) day(day custodian.Date, cameras []string, expires time.Time) error {
	if expires.IsZero() {
		expires = benchRetention.Expires(day)
	}
	tx := cb.tx
	st, err := tx.PrepareContext(cb.ctx, `INSERT OR IGNORE INTO data_keys (id, kind, camera_id, period, expires_ns, wrapped, master_key_id, created_ns)
		VALUES (lower(hex(randomblob(16))), 'period', ?, ?, ?, zeroblob(60), ?, ?)`)
	if err != nil {
		return err
	}
	for _, c := range cameras {
		if _, err := st.ExecContext(cb.ctx, c, day.String(), expires.UnixNano(), cb.masterID, cb.created); err != nil {
			st.Close()
			return err
		}
	}
	st.Close()
	// Segment IDs as the vault makes them (vault.segmentID): a hash of the camera, the start
	// time in milliseconds, random bytes.
	pst, err := tx.PrepareContext(cb.ctx, `INSERT OR IGNORE INTO bench_prefix (camera_id, prefix) VALUES (?, ?)`)
	if err != nil {
		return err
	}
	for _, c := range cameras {
		h := sha256.Sum256([]byte(c))
		if _, err := pst.ExecContext(cb.ctx, c, hex.EncodeToString(h[:4])); err != nil {
			pst.Close()
			return err
		}
	}
	pst.Close()
	if _, err := tx.ExecContext(cb.ctx, `DELETE FROM bench_daykeys`); err != nil {
		return err
	}
	if _, err := tx.ExecContext(cb.ctx, `INSERT INTO bench_daykeys (camera_id, key_id, dir)
		SELECT camera_id, id, camera_id || '/d-' || replace(period, '-', '') || '/' FROM data_keys
		WHERE kind = 'period' AND period = ? AND destroyed_ns IS NULL ORDER BY camera_id`, day.String()); err != nil {
		return err
	}
	// The minutes are the outer loop (CROSS JOIN keeps the order), the day's cameras the
	// inner one. Paths are unique: the key's directory and the minute.
	res, err := tx.ExecContext(cb.ctx, `WITH RECURSIVE m(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM m WHERE i < 1439)
		INSERT INTO segments (id, camera_id, start_ns, end_ns, key_id, path, plain_size, stored_size, sha256, created_ns, state, retention_class)
		SELECT (SELECT prefix FROM bench_prefix AS p WHERE p.camera_id = k.camera_id) || printf('%012x', (?1 + m.i * 60000000000) / 1000000) || lower(hex(randomblob(6))), k.camera_id, ?1 + m.i * 60000000000, ?1 + (m.i + 1) * 60000000000, k.key_id,
			k.dir || printf('%032d', m.i) || '.seg', ?2, ?3, zeroblob(32), ?1 + (m.i + 1) * 60000000000, 'ok', 'standard'
		FROM m CROSS JOIN bench_daykeys AS k
		WHERE NOT EXISTS (SELECT 1 FROM bench_realpos AS r WHERE r.camera_id = k.camera_id AND r.start_ns = ?1 + m.i * 60000000000)`,
		day.Time().UnixNano(), bulkPlainSize, bulkStoredSize)
	if err != nil {
		return err
	}
	n, _ := res.RowsAffected()
	cb.rows += n
	return nil
}

// close commits (or, if commit is false, rolls back), checkpoints the WAL into the
// database file, restores the connection's settings and returns it to the pool.
func (cb *catalogBuilder) close(commit bool) error {
	var errs []error
	if commit {
		errs = append(errs, cb.tx.Commit())
	} else {
		cb.tx.Rollback()
	}
	for _, p := range []string{`DROP TABLE IF EXISTS temp.bench_daykeys`, `DROP TABLE IF EXISTS temp.bench_realpos`, `DROP TABLE IF EXISTS temp.bench_prefix`,
		`PRAGMA wal_checkpoint(TRUNCATE)`, `PRAGMA synchronous = FULL`, `PRAGMA cache_size = -2000`} {
		if _, err := cb.conn.ExecContext(cb.ctx, p); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
		}
	}
	errs = append(errs, cb.conn.Close())
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// copyTree copies the directory src to dst (which must not exist), files and modes.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.Mkdir(to, info.Mode().Perm())
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, info.Mode().Perm())
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}

// dirSize sums the sizes of the files under dir.
func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// timedCatalog is a vault catalog that adds up the time spent in the calls the benchmarked
// paths make, to say where their time goes.
type timedCatalog struct {
	custodian.VaultCatalog
	mu    sync.Mutex
	spent map[string]time.Duration
	calls map[string]int
}

func newTimedCatalog(c custodian.VaultCatalog) *timedCatalog {
	t := &timedCatalog{VaultCatalog: c}
	t.reset()
	return t
}

func (t *timedCatalog) reset() {
	t.mu.Lock()
	t.spent, t.calls = map[string]time.Duration{}, map[string]int{}
	t.mu.Unlock()
}

func (t *timedCatalog) add(name string, since time.Time) {
	d := time.Since(since)
	t.mu.Lock()
	t.spent[name] += d
	t.calls[name]++
	t.mu.Unlock()
}

// total returns the time spent in all timed calls.
func (t *timedCatalog) total() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var sum time.Duration
	for _, d := range t.spent {
		sum += d
	}
	return sum
}

// spentIn returns the time spent in calls to name.
func (t *timedCatalog) spentIn(name string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.spent[name]
}

func (t *timedCatalog) PeriodKey(ctx context.Context, camera string, day custodian.Date) (*custodian.DataKey, error) {
	defer t.add("PeriodKey", time.Now())
	return t.VaultCatalog.PeriodKey(ctx, camera, day)
}

func (t *timedCatalog) Key(ctx context.Context, id string) (*custodian.DataKey, error) {
	defer t.add("Key", time.Now())
	return t.VaultCatalog.Key(ctx, id)
}

func (t *timedCatalog) BeginSegment(ctx context.Context, s *custodian.Segment) error {
	defer t.add("BeginSegment", time.Now())
	return t.VaultCatalog.BeginSegment(ctx, s)
}

func (t *timedCatalog) CommitSegment(ctx context.Context, s *custodian.Segment) error {
	defer t.add("CommitSegment", time.Now())
	return t.VaultCatalog.CommitSegment(ctx, s)
}

func (t *timedCatalog) Segments(ctx context.Context, camera string, from, to time.Time) ([]custodian.Segment, error) {
	defer t.add("Segments", time.Now())
	return t.VaultCatalog.Segments(ctx, camera, from, to)
}

func (t *timedCatalog) ExpiredKeys(ctx context.Context, at time.Time, limit int) ([]custodian.DataKey, error) {
	defer t.add("ExpiredKeys", time.Now())
	return t.VaultCatalog.ExpiredKeys(ctx, at, limit)
}

func (t *timedCatalog) SegmentsOfKey(ctx context.Context, keyID string) ([]custodian.Segment, error) {
	defer t.add("SegmentsOfKey", time.Now())
	return t.VaultCatalog.SegmentsOfKey(ctx, keyID)
}

func (t *timedCatalog) DestroyKey(ctx context.Context, keyID string, at time.Time, g custodian.Garbage) (int, int64, error) {
	defer t.add("DestroyKey", time.Now())
	return t.VaultCatalog.DestroyKey(ctx, keyID, at, g)
}

func (t *timedCatalog) FinishGarbage(ctx context.Context, g custodian.Garbage) (*custodian.Destruction, error) {
	defer t.add("FinishGarbage", time.Now())
	return t.VaultCatalog.FinishGarbage(ctx, g)
}

func (t *timedCatalog) ActiveHolds(ctx context.Context, camera string, from, to time.Time) ([]custodian.Hold, error) {
	defer t.add("ActiveHolds", time.Now())
	return t.VaultCatalog.ActiveHolds(ctx, camera, from, to)
}

// report says how the wall time total of ops operations divides among the timed calls.
func (t *timedCatalog) report(total time.Duration, ops int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := ""
	var sum time.Duration
	for _, name := range []string{"PeriodKey", "BeginSegment", "CommitSegment", "Segments", "Key",
		"ExpiredKeys", "ActiveHolds", "SegmentsOfKey", "DestroyKey", "FinishGarbage"} {
		n := t.calls[name]
		if n == 0 {
			continue
		}
		sum += t.spent[name]
		s += fmt.Sprintf("%s %d× %s (%s each); ", name, n, fmtDur(t.spent[name]), fmtDur(t.spent[name]/time.Duration(n)))
	}
	return s + fmt.Sprintf("outside the catalog %s; per op: total %s, catalog %s", fmtDur(total-sum),
		fmtDur(total/time.Duration(ops)), fmtDur(sum/time.Duration(ops)))
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.1fµs", float64(d)/1e3)
}
