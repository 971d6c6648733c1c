package sqlite_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"path/filepath"
	"testing"
	"time"

	"custodian"
	"custodian/auditlog"
	"custodian/sqlite"
)

// The access log's mark: none at first; SaveMark only raises it (the record part and the
// checkpoint part each by its seq), whatever order processes save in; ResetMark replaces
// it; the checkpoint comes back with its signature.
func TestAuditMarks(t *testing.T) {
	ctx := context.Background()
	s := sqlite.AuditMarks{DB: openDB(t)}
	m, err := s.LoadMark(ctx)
	if err != nil || !m.IsZero() {
		t.Fatalf("no mark yet: %+v %v", m, err)
	}
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{3}, 32))
	at := time.Date(2026, 11, 10, 10, 0, 0, 0, custodian.KST)
	// Real checkpoints at seq 5, 8 and 10, signed by a log.
	l, err := auditlog.Open(filepath.Join(t.TempDir(), "audit"), key, auditlog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cps := map[uint64]auditlog.Checkpoint{}
	for i := 1; i <= 10; i++ {
		if _, err := l.Append(ctx, auditlog.Event{Actor: "kim", Action: auditlog.ActionLive}); err != nil {
			t.Fatal(err)
		}
		if i == 5 || i == 8 || i == 10 {
			if cps[uint64(i)], err = l.Checkpoint(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	l.Close()
	cp := func(seq uint64) auditlog.Checkpoint { return cps[seq] }
	hash := func(b byte) (h [32]byte) { h[0] = b; return }
	save := func(m auditlog.Mark) {
		t.Helper()
		if err := s.SaveMark(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	save(auditlog.Mark{Seq: 10, Hash: hash(10), Time: at, Checkpoint: cp(8)})
	save(auditlog.Mark{Seq: 7, Hash: hash(7), Time: at.Add(-time.Minute), Checkpoint: cp(5)}) // an older view: no effect
	save(auditlog.Mark{Seq: 9, Hash: hash(9), Checkpoint: cp(10)})                            // a newer checkpoint only
	m, err = s.LoadMark(ctx)
	if err != nil || m.Seq != 10 || m.Hash != hash(10) || !m.Time.Equal(at) || m.Checkpoint.Seq != 10 || !m.Checkpoint.Valid(key.Public().(ed25519.PublicKey)) {
		t.Fatalf("after the saves: %+v %v", m, err)
	}
	if err := s.ResetMark(ctx, auditlog.Mark{Seq: 3, Hash: hash(3), Time: at}); err != nil {
		t.Fatal(err)
	}
	if m, err = s.LoadMark(ctx); err != nil || m.Seq != 3 || m.Checkpoint.Signature != nil {
		t.Fatalf("after the reset: %+v %v", m, err)
	}
}
