package auditlog_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"custodian"
	"custodian/auditlog"
	"custodian/sqlite"
)

var markKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))

// markEnv is a log directory with its mark kept in a real database (sqlite.AuditMarks),
// as cmd/custodian wires it.
type markEnv struct {
	t     *testing.T
	dir   string
	marks sqlite.AuditMarks
	now   time.Time
}

func newMarkEnv(t *testing.T) *markEnv {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "custodian.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &markEnv{t: t, dir: filepath.Join(t.TempDir(), "audit"), marks: sqlite.AuditMarks{DB: db},
		now: time.Date(2026, 11, 10, 10, 0, 0, 0, custodian.KST)}
}

func (m *markEnv) opt() auditlog.Options {
	return auditlog.Options{Marks: m.marks, Now: func() time.Time { m.now = m.now.Add(time.Second); return m.now }}
}

func (m *markEnv) open() (*auditlog.Log, error) { return auditlog.Open(m.dir, markKey, m.opt()) }

// write opens the log, appends n records and closes it.
func (m *markEnv) write(n int) {
	m.t.Helper()
	l, err := m.open()
	if err != nil {
		m.t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if _, err := l.Append(context.Background(), auditlog.Event{Actor: "kim", Source: "10.0.0.7", Action: auditlog.ActionPlayback,
			Camera: "lobby-1f", Purpose: "민원 확인"}); err != nil {
			m.t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		m.t.Fatal(err)
	}
}

// files returns the log directory's files.
func (m *markEnv) files() map[string][]byte {
	out := map[string][]byte{}
	es, _ := os.ReadDir(m.dir)
	for _, e := range es {
		b, err := os.ReadFile(filepath.Join(m.dir, e.Name()))
		if err != nil {
			m.t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

// restore puts the directory back as files had it: a cut at a record boundary, with the
// checkpoints of the removed records removed too.
func (m *markEnv) restore(files map[string][]byte) {
	m.t.Helper()
	es, _ := os.ReadDir(m.dir)
	for _, e := range es {
		os.Remove(filepath.Join(m.dir, e.Name()))
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(m.dir, name), b, 0o600); err != nil {
			m.t.Fatal(err)
		}
	}
}

func (m *markEnv) verify() *auditlog.Report {
	m.t.Helper()
	mark, err := m.marks.LoadMark(context.Background())
	if err != nil {
		m.t.Fatal(err)
	}
	rep, err := auditlog.Verify(context.Background(), m.dir, markKey.Public().(ed25519.PublicKey), auditlog.VerifyOptions{Mark: &mark})
	if err != nil {
		m.t.Fatal(err)
	}
	return rep
}

// The log is cut at a record boundary together with checkpoints.log (both put back as
// they were 2 records earlier) while nothing has it open: Open refuses it, naming what
// the mark says was written; Verify with the mark reports the missing records (without
// the mark it cannot see anything wrong).
func TestReopenAfterCutRefused(t *testing.T) {
	m := newMarkEnv(t)
	m.write(8)
	before := m.files()
	m.write(2)
	if rep := m.verify(); !rep.OK() || rep.Mark != 10 {
		t.Fatalf("before the cut: %+v", rep)
	}
	m.restore(before)

	_, err := m.open()
	if custodian.ErrorCode(err) != custodian.ECONFLICT || !strings.Contains(err.Error(), "ends at seq 8") || !strings.Contains(err.Error(), "seq 10") {
		t.Fatalf("open after the cut: %v", err)
	}
	rep, err := auditlog.Verify(context.Background(), m.dir, markKey.Public().(ed25519.PublicKey), auditlog.VerifyOptions{})
	if err != nil || !rep.OK() {
		t.Fatalf("without the mark the cut is invisible (as before): %+v %v", rep, err)
	}
	rep = m.verify()
	if len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0].En, "seq 9–10 are missing") {
		t.Fatalf("verify with the mark: %+v", rep.Problems)
	}

	// Accepting the loss records it in the log, and the log is written again.
	if _, err := auditlog.AcceptLoss(context.Background(), m.dir, markKey, m.opt(), "cli:admin", "x"); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Fatalf("accept-loss without a reason: %v", err)
	}
	e, err := auditlog.AcceptLoss(context.Background(), m.dir, markKey, m.opt(), "cli:admin", "restored from the 11-10 backup")
	if err != nil || e.Seq != 9 || e.Action != auditlog.ActionLogLoss || !strings.Contains(e.Detail, "seq 10") {
		t.Fatalf("accept-loss: %+v %v", e, err)
	}
	if _, err := auditlog.AcceptLoss(context.Background(), m.dir, markKey, m.opt(), "cli:admin", "once more please"); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Fatalf("accept-loss with nothing lost: %v", err)
	}
	m.write(1)
	if rep := m.verify(); !rep.OK() || rep.LastSeq != 10 {
		t.Fatalf("after accepting the loss: %+v", rep)
	}
}

// The month files and checkpoints.log are deleted (or the whole directory): Verify fails,
// naming the missing records, where it used to say "0 records, no problems"; Open refuses.
func TestDeletedLogDetected(t *testing.T) {
	for _, whole := range []bool{false, true} {
		m := newMarkEnv(t)
		m.write(5)
		if whole {
			if err := os.RemoveAll(m.dir); err != nil {
				t.Fatal(err)
			}
		} else {
			for name := range m.files() {
				if name != ".lock" {
					os.Remove(filepath.Join(m.dir, name))
				}
			}
		}
		rep := m.verify()
		if rep.OK() || rep.Records != 0 || !strings.Contains(rep.Problems[0].En, "seq 1–5 are missing") {
			t.Fatalf("whole=%v: verify of a deleted log: %+v", whole, rep.Problems)
		}
		if _, err := m.open(); custodian.ErrorCode(err) != custodian.ECONFLICT {
			t.Fatalf("whole=%v: open of a deleted log: %v", whole, err)
		}
	}
}

// A record rewritten at the mark's seq (same length, chain and checkpoints recomputed
// by someone without the key cannot sign; here the checkpoint file is dropped) is
// reported against the mark's hash.
func TestMarkHashMismatch(t *testing.T) {
	m := newMarkEnv(t)
	m.write(3)
	before := m.files()
	m.write(1)
	m.restore(before)
	// Another writer without the mark appends one record at seq 4: same seq, other hash.
	l, err := auditlog.Open(m.dir, markKey, auditlog.Options{Now: func() time.Time { return m.now.Add(time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(context.Background(), auditlog.Event{Actor: "forger", Action: auditlog.ActionLive}); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	rep := m.verify()
	if rep.OK() || !strings.Contains(rep.Problems[0].En, "differs from the mark") {
		t.Fatalf("verify: %+v", rep.Problems)
	}
	if _, err := m.open(); custodian.ErrorCode(err) != custodian.ECONFLICT || !strings.Contains(err.Error(), "rewritten") {
		t.Fatalf("open: %v", err)
	}
}
