package vault_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"custodian/vault"
)

// A second opener (a CLI command beside `custodian serve`) must not take the first's
// segment in flight for a crash's leftover. Each Open has its own lock descriptor, as
// another process would.
func TestOpenBesideAWriterLeavesItsSegments(t *testing.T) {
	e := newEnv(t)
	w, err := e.v.Create(e.ctx, "cam-1", day0, "standard", thirtyDays)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(randomBytes(3 * vault.ChunkSize))
	other, err := vault.Open(e.ctx, vault.Options{Data: e.data, Catalog: e.db, Audit: e.rec, Now: e.clock.Now, Actor: "cli:someone"})
	if err != nil {
		t.Fatal(err)
	}
	if other.Recovered() {
		t.Fatal("recovery ran beside a process that has the vault open")
	}
	for _, ev := range e.rec.events {
		if ev.Action == vault.ActionSegmentDiscard {
			t.Fatalf("the second open discarded a segment in flight: %+v", ev)
		}
	}
	other.Close()
	if _, err := w.Commit(e.ctx, day0.Add(time.Minute)); err != nil {
		t.Fatalf("the writer's segment was disturbed: %v", err)
	}
	// When nobody else has it open, recovery runs again.
	e.reopen()
	if !e.v.Recovered() {
		t.Fatal("recovery did not run with the vault closed everywhere else")
	}
}

// A flipped byte in a wrapped period key must not stop the camera for the rest of the day:
// the key is marked damaged and reported, and a new key takes over.
func TestDamagedPeriodKeyStartsANewKey(t *testing.T) {
	e := newEnv(t)
	first := e.write("cam-1", day0, randomBytes(2000))
	k, _ := e.db.Key(e.ctx, first.KeyID)
	if len(k.Wrapped) == 0 {
		t.Fatal("no wrapped key to damage")
	}
	// Flip one bit of the wrapped key, as a bad disk sector would.
	k.Wrapped[len(k.Wrapped)/2] ^= 0x01
	if _, err := e.db.SQL().Exec(`UPDATE data_keys SET wrapped = ? WHERE id = ?`, k.Wrapped, k.ID); err != nil {
		t.Fatal(err)
	}
	// Recording goes on, the same day.
	second := e.write("cam-1", day0.Add(time.Minute), randomBytes(2000))
	if second.KeyID == first.KeyID {
		t.Fatal("the damaged key was used again")
	}
	if _, err := e.read(*second); err != nil {
		t.Fatalf("footage under the new key: %v", err)
	}
	third := e.write("cam-1", day0.Add(2*time.Minute), randomBytes(2000))
	if third.KeyID != second.KeyID {
		t.Fatal("a new key per segment: the replacement is not the day's key")
	}
	// Reported: in the access log and by verify.
	found := false
	for _, ev := range e.rec.events {
		if ev.Action == vault.ActionKeyDamaged && ev.Object == first.KeyID && ev.Result == "error" {
			found = true
		}
	}
	if !found {
		t.Fatalf("the damaged key was not reported in the access log: %+v", e.rec.events)
	}
	rep, err := e.v.Verify(e.ctx, vault.LevelPresence, nil)
	if err != nil {
		t.Fatal(err)
	}
	damaged := false
	for _, p := range rep.Problems {
		if strings.Contains(p.En, first.KeyID) && strings.Contains(p.En, "damaged") {
			damaged = true
		}
	}
	if !damaged {
		t.Fatalf("verify does not report the damaged key: %+v", rep.Problems)
	}
	// Retention still destroys the damaged key with its day.
	e.clock.t = day0.Add(40 * 24 * time.Hour)
	if _, err := e.v.RunRetention(e.ctx, nil, false); err != nil {
		t.Fatal(err)
	}
	if k, _ := e.db.Key(e.ctx, first.KeyID); k.Destroyed.IsZero() {
		t.Fatal("the damaged key outlived its retention")
	}
}

// Two writers recording one camera at once leave overlapping segments; verify says so.
func TestVerifyReportsOverlappingSegments(t *testing.T) {
	e := newEnv(t)
	a := e.write("cam-1", day0, randomBytes(1000))
	e.write("cam-1", day0.Add(30*time.Second), randomBytes(1000)) // a ends at day0+1m
	e.write("cam-2", day0.Add(30*time.Second), randomBytes(1000)) // another camera: fine
	rep, err := e.v.Verify(e.ctx, vault.LevelHash, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0].En, "overlaps segment "+a.ID) || rep.Problems[0].Camera != "cam-1" {
		t.Fatalf("problems: %+v", rep.Problems)
	}
}

// A segment file deleted behind Custodian's back is a gap at once, and MissingFiles finds
// it without a verification.
func TestMissingFileIsAGap(t *testing.T) {
	e := newEnv(t)
	a := e.write("cam-1", day0, randomBytes(1000))
	b := e.write("cam-1", day0.Add(time.Minute), randomBytes(1000))
	if err := os.Remove(e.data.File("vault/" + b.Path)); err != nil {
		t.Fatal(err)
	}
	gaps, err := e.v.Gaps(e.ctx, "cam-1", day0, day0.Add(2*time.Minute), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(gaps) != 1 || !gaps[0].From.Equal(a.End) {
		t.Fatalf("gaps: %+v", gaps)
	}
	missing, err := e.v.MissingFiles(e.ctx)
	if err != nil || len(missing) != 1 || missing[0].ID != b.ID {
		t.Fatalf("missing: %+v %v", missing, err)
	}
	seen := map[string]bool{}
	if n, err := e.v.ReportMissing(e.ctx, missing, seen); n != 1 || err != nil {
		t.Fatalf("reported %d: %v", n, err)
	}
	if n, _ := e.v.ReportMissing(e.ctx, missing, seen); n != 0 {
		t.Fatal("reported twice")
	}
}

// CrossCheck beside a running writer: a segment whose creation is logged (the log comes
// first) while its row is still being completed, or that was committed after the catalog was
// read, is in flight, not "gone without being destroyed".
func TestCrossCheckBesideAWriter(t *testing.T) {
	e := newEnv(t)
	e.write("cam-1", day0, randomBytes(1000))
	w, err := e.v.Create(e.ctx, "cam-1", day0.Add(time.Minute), "standard", thirtyDays)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(randomBytes(1000))
	scan := func(ctx context.Context, since time.Time, fn func(vault.LoggedEvent) error) error {
		for i, ev := range e.rec.events {
			if err := fn(vault.LoggedEvent{Seq: uint64(i + 1), Action: ev.Action, Object: ev.Object, Detail: ev.Detail}); err != nil {
				return err
			}
		}
		// The writer logs its creation now, between the catalog's reading and the log's.
		return fn(vault.LoggedEvent{Seq: uint64(len(e.rec.events) + 1), Action: vault.ActionSegmentCreate, Object: w.ID(), Detail: "sha256=00 key=x"})
	}
	problems, err := e.v.CrossCheck(e.ctx, scan)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Fatalf("a segment in flight taken for a problem: %+v", problems)
	}
	w.Abort(e.ctx)
	// Removed behind Custodian's back: still found.
	problems, err = e.v.CrossCheck(e.ctx, scan)
	if err != nil || len(problems) != 1 || !strings.Contains(problems[0].En, "gone from the catalog") {
		t.Fatalf("a logged segment that is gone: %+v %v", problems, err)
	}
}
