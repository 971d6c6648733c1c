package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// Connections. SQLite lets one connection write at a time; a second writer waits in
// SQLite's busy handler, which sleeps and polls (1, 2, 5, 10 ... 100 ms between tries) and
// is not fair, so that under load a write can wait seconds while others come and go. And
// database/sql's default pool keeps only two idle connections: with more concurrent
// requests, connections were opened and closed all the time, and every open parsed the
// schema anew and every close freed a page cache under SQLite's one global page-cache
// mutex, on which every other connection then waited (docs/BENCHMARKS.md, "The console").
//
// So a DB has two pools over the same file:
//
//   - one writer connection (ExecContext, BeginTx: every change and every transaction),
//     for which writers of this process queue in Go, in the order database/sql gives, and
//     never in SQLite's busy handler. Another process (a CLI command beside serve) still
//     meets the lock and waits for it under busy_timeout.
//   - readers (QueryContext, QueryRowContext outside a transaction), a few connections
//     kept open, with query_only set so that a statement that would write fails at once
//     rather than taking the lock. In WAL mode readers never wait for the writer.
//
// A write transaction's callback must use its *sql.Tx only: a write through the pools
// inside it would wait for the one writer connection, which the transaction holds.

// readers is how many reader connections a DB keeps open.
const readers = 8

// busyTimeoutMS is how long a connection waits for a lock held by another process before
// it reports SQLITE_BUSY (tests set it lower to see that this process never waits).
var busyTimeoutMS = 10000

// pools is the writer connection and the readers, with the methods of *sql.DB the adapters
// use.
type pools struct {
	w *sql.DB // one connection: every change
	r *sql.DB // readers, query_only

	// stmts are the readers' statements, prepared once (and on each reader connection as
	// it first runs them) instead of parsed again by SQLite for every query: a console
	// request runs several, and their parsing was a twentieth of the server's processor
	// under load (docs/BENCHMARKS.md, run 14). At most maxStmts are kept; a query text
	// beyond them is run unprepared.
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
}

// maxStmts bounds the statements kept: the adapters' queries are constants, but a few are
// built with a varying number of placeholders.
const maxStmts = 256

// stmt returns the prepared statement of a reader's query, or nil to run it unprepared.
func (p *pools) stmt(ctx context.Context, query string) *sql.Stmt {
	p.mu.RLock()
	st, ok := p.stmts[query]
	p.mu.RUnlock()
	if ok {
		return st
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if st, ok := p.stmts[query]; ok {
		return st
	}
	if len(p.stmts) >= maxStmts {
		return nil
	}
	st, err := p.r.PrepareContext(context.WithoutCancel(ctx), query)
	if err != nil {
		return nil // the query itself reports the error
	}
	if p.stmts == nil {
		p.stmts = map[string]*sql.Stmt{}
	}
	p.stmts[query] = st
	return st
}

func dsn(path string, write bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.Itoa(busyTimeoutMS)+")")
	q.Add("_pragma", "foreign_keys(1)")
	if write {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(FULL)")
		q.Add("_pragma", "secure_delete(1)") // deleted rows (destroyed keys) are overwritten
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	q.Add("_pragma", "cache_size(-65536)") // 64 MiB of page cache per connection
	return "file:" + path + "?" + q.Encode()
}

func openPools(path string) (*pools, error) {
	w, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	r, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)
	return &pools{w: w, r: r}, nil
}

// onWriter reports whether a query must run on the writer connection: a checkpoint of
// the WAL (it writes the database file, and a TRUNCATE one must not wait on this
// process's own idle readers).
func onWriter(query string) bool {
	q := strings.ToUpper(strings.TrimSpace(query))
	return strings.HasPrefix(q, "PRAGMA WAL_CHECKPOINT")
}

func (p *pools) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return p.w.ExecContext(ctx, query, args...)
}

func (p *pools) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if onWriter(query) {
		return p.w.QueryContext(ctx, query, args...)
	}
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return p.r.QueryContext(ctx, query, args...)
}

func (p *pools) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if onWriter(query) {
		return p.w.QueryRowContext(ctx, query, args...)
	}
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return p.r.QueryRowContext(ctx, query, args...)
}

func (p *pools) BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error) {
	return p.w.BeginTx(ctx, opts)
}

// Close closes the readers, then the writer (the last connection to close checkpoints
// the WAL into the database file).
func (p *pools) Close() error {
	p.mu.Lock()
	var errs []error
	for _, st := range p.stmts {
		errs = append(errs, st.Close())
	}
	p.stmts = nil
	p.mu.Unlock()
	return errors.Join(append(errs, p.r.Close(), p.w.Close())...)
}
