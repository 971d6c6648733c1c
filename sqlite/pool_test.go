package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"custodian"
	"custodian/auditlog"
)

// noBusyWait opens a database whose connections report SQLITE_BUSY at once instead of
// waiting in SQLite's busy handler: a test then sees every time this process's own
// connections would have met each other at SQLite's lock.
func noBusyWait(t *testing.T) *DB {
	t.Helper()
	old := busyTimeoutMS
	busyTimeoutMS = 0
	t.Cleanup(func() { busyTimeoutMS = old })
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// The recorder's segment writes, the access log's mark, garbage records and readers all at
// once, as in `serve` under load: no write ever finds the database locked by another of
// this process's connections (they queue for the one writer connection in Go, not in
// SQLite's sleeping busy handler), and nothing is lost.
func TestWritersOfOneProcessNeverMeetSQLitesLock(t *testing.T) {
	ctx := context.Background()
	db := noBusyWait(t)
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, custodian.KST)
	const cameras, segments = 24, 15
	for c := range cameras {
		k := &custodian.DataKey{ID: fmt.Sprintf("k%d", c), Kind: custodian.KeyPeriod, Camera: fmt.Sprintf("cam%d", c),
			Period: custodian.DateOf(now), Expires: now.Add(30 * 24 * time.Hour), Wrapped: []byte("wrapped"), MasterKeyID: "m", Created: now}
		if err := db.CreateKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for c := range cameras {
		wg.Add(1)
		go func() { // a camera: begin, commit, begin, commit ...
			defer wg.Done()
			for i := range segments {
				s := &custodian.Segment{ID: fmt.Sprintf("c%d-s%d", c, i), Camera: fmt.Sprintf("cam%d", c), KeyID: fmt.Sprintf("k%d", c),
					Start: now.Add(time.Duration(i) * time.Second), Path: fmt.Sprintf("cam%d/%d", c, i), Created: now, RetentionClass: "standard"}
				if err := db.BeginSegment(ctx, s); err != nil {
					errs <- fmt.Errorf("begin %s: %w", s.ID, err)
					return
				}
				s.End, s.PlainSize, s.StoredSize, s.SHA256 = s.Start.Add(time.Second), 10, 20, make([]byte, 32)
				if err := db.CommitSegment(ctx, s); err != nil {
					errs <- fmt.Errorf("commit %s: %w", s.ID, err)
					return
				}
			}
		}()
	}
	for w := range 4 {
		wg.Add(1)
		go func() { // the access log's mark and garbage records (transactions)
			defer wg.Done()
			for i := range segments {
				m := auditlog.Mark{Seq: uint64(w*100 + i + 1), Time: now}
				if err := (AuditMarks{db}).SaveMark(ctx, m); err != nil {
					errs <- fmt.Errorf("mark: %w", err)
					return
				}
				if err := db.AddGarbage(ctx, custodian.Garbage{Path: fmt.Sprintf("g%d-%d", w, i)}); err != nil {
					errs <- fmt.Errorf("garbage: %w", err)
					return
				}
			}
		}()
	}
	for range 8 {
		wg.Add(1)
		go func() { // console requests reading
			defer wg.Done()
			for i := range segments {
				if _, err := db.Segments(ctx, fmt.Sprintf("cam%d", i%cameras), now, now.Add(time.Hour)); err != nil {
					errs <- fmt.Errorf("read: %w", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var n int
	if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM segments WHERE state = 'ok'`).Scan(&n); err != nil || n != cameras*segments {
		t.Errorf("%d complete segments (%v), want %d", n, err, cameras*segments)
	}
	if g, err := db.PendingGarbage(ctx); err != nil || len(g) != 4*segments {
		t.Errorf("%d garbage records (%v), want %d", len(g), err, 4*segments)
	}
}

// A reader is not held up by a write transaction that is open (reads do not go through
// the writer connection, which the transaction holds), and sees what was committed before.
func TestReadersDoNotWaitForAnOpenTransaction(t *testing.T) {
	ctx := context.Background()
	db := noBusyWait(t)
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, custodian.KST)
	if err := db.AddGarbage(ctx, custodian.Garbage{Path: "before"}); err != nil {
		t.Fatal(err)
	}
	inside, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- db.tx(ctx, func(tx *sql.Tx) error {
			if err := insertGarbage(ctx, tx, custodian.Garbage{Path: "during"}); err != nil {
				return err
			}
			close(inside)
			<-release
			return nil
		})
	}()
	<-inside
	// A deadline only so that a read queued behind the transaction fails instead of
	// hanging the test.
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	g, err := db.PendingGarbage(rctx)
	k, kerr := db.PeriodKey(rctx, "cam1", custodian.DateOf(now))
	cancel()
	close(release)
	if err != nil || len(g) != 1 || g[0].Path != "before" {
		t.Errorf("read during an open transaction: %v %v, want the one record committed before", g, err)
	}
	if custodian.ErrorCode(kerr) != custodian.ENOTFOUND || k != nil {
		t.Errorf("key lookup during an open transaction: %v %v, want not found", k, kerr)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if g, err := db.PendingGarbage(ctx); err != nil || len(g) != 2 {
		t.Errorf("after the commit: %v %v, want two records", g, err)
	}
}

// The readers cannot write: a statement that would (here one that returns rows, which
// goes to a reader) fails at once and changes nothing.
func TestReadersCannotWrite(t *testing.T) {
	ctx := context.Background()
	db := noBusyWait(t)
	var id string
	err := db.db.QueryRowContext(ctx, `INSERT INTO vault_meta (key, value) VALUES ('x', 'y') RETURNING key`).Scan(&id)
	if err == nil || !strings.Contains(err.Error(), "readonly") {
		t.Fatalf("a write through a reader: %v, want it refused (readonly)", err)
	}
	var n int
	if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM vault_meta WHERE key = 'x'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d rows (%v), want 0", n, err)
	}
}

// TestReaderStatementsArePreparedOnceAndBounded: a reader's query is prepared once and
// reused (the same results), a reader still cannot write through a prepared statement, and
// no more than maxStmts query texts are kept, those beyond them running unprepared.
func TestReaderStatementsArePreparedOnceAndBounded(t *testing.T) {
	ctx := context.Background()
	db := noBusyWait(t)
	const q = `SELECT COUNT(*) FROM vault_meta WHERE key = ?`
	for i := 0; i < 3; i++ {
		var n int
		if err := db.db.QueryRowContext(ctx, q, "none").Scan(&n); err != nil || n != 0 {
			t.Fatalf("query %d: %d %v", i, n, err)
		}
	}
	db.db.mu.RLock()
	first := db.db.stmts[q]
	db.db.mu.RUnlock()
	if first == nil {
		t.Fatal("the query was not prepared")
	}
	for i := 0; i < maxStmts+20; i++ {
		var n int
		if err := db.db.QueryRowContext(ctx, fmt.Sprintf(`SELECT %d`, i)).Scan(&n); err != nil || n != i {
			t.Fatalf("query %d: %d %v", i, n, err)
		}
	}
	db.db.mu.RLock()
	kept, same := len(db.db.stmts), db.db.stmts[q] == first
	db.db.mu.RUnlock()
	if kept != maxStmts || !same {
		t.Fatalf("%d statements kept (want %d), the first one kept: %v", kept, maxStmts, same)
	}
	var id string
	if err := db.db.QueryRowContext(ctx, `INSERT INTO vault_meta (key, value) VALUES ('x', 'y') RETURNING key`).Scan(&id); err == nil {
		t.Fatal("a reader wrote through a statement")
	}
}
