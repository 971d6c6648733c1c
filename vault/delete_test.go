package vault_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"custodian"
	"custodian/vault"
)

// A selective deletion's test day: six one-minute segments of cam-1 from 10:00 KST (each a
// playable minute of fMP4) and one of cam-2; the window asked is 10:02:30–10:03:10, which
// segments 2 (10:02–10:03) and 3 (10:03–10:04) overlap.
var (
	delFrom = day0.Add(2*time.Minute + 30*time.Second)
	delTo   = day0.Add(3*time.Minute + 10*time.Second)
)

const delReason = "정보주체 삭제 청구 R-2026-0001 (data subject's request to delete)"

func inWindow(i int) bool { return i == 2 || i == 3 }

// minute is a minute of fMP4 at 10 fps, a keyframe every second.
func minute(t *testing.T) []byte {
	var gops []gop
	for i := 0; i < 60; i++ {
		gops = append(gops, gop{float64(i), 10, true})
	}
	return stream(t, gops...)
}

func deletionDay(t *testing.T) (*env, []*custodian.Segment, *custodian.Segment) {
	e := newEnv(t)
	data := minute(t)
	var segs []*custodian.Segment
	for i := 0; i < 6; i++ {
		segs = append(segs, e.write("cam-1", day0.Add(time.Duration(i)*time.Minute), data))
	}
	other := e.write("cam-2", day0.Add(2*time.Minute), data)
	e.clock.Set(day0.Add(3 * time.Hour))
	return e, segs, other
}

// vaultFile is the absolute path of a vault-relative path.
func (e *env) vaultFile(rel string) string {
	return filepath.Join(e.data.Path, "vault", filepath.FromSlash(rel))
}

// checkDeleted checks the state after the window is deleted: the window's segments, their
// files and their key are gone (the wrapped key in no database file), everything else of
// the day is under the successor key, reads back intact, verifies and plays, and cam-2 is
// untouched.
func checkDeleted(t *testing.T, e *env, segs []*custodian.Segment, other *custodian.Segment, oldWrapped []byte) {
	t.Helper()
	old := segs[0].KeyID
	k, err := e.db.Key(e.ctx, old)
	if err != nil || k.Destroyed.IsZero() || k.Wrapped != nil {
		t.Fatalf("the old key is not destroyed: %+v %v", k, err)
	}
	for _, name := range []string{e.data.DBPath(), e.data.DBPath() + "-wal"} {
		b, err := os.ReadFile(name)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(b, oldWrapped) {
			t.Fatalf("the destroyed key's wrapped bytes survive in %s", name)
		}
	}
	var succ string
	for i, s := range segs {
		cur, err := e.db.Segment(e.ctx, s.ID)
		if inWindow(i) {
			if err == nil {
				t.Fatalf("segment %d in the window survived: %+v", i, cur)
			}
			if _, err := os.Stat(e.vaultFile(s.Path)); !os.IsNotExist(err) {
				t.Fatalf("segment %d's file survived: %v", i, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("segment %d outside the window is gone: %v", i, err)
		}
		if succ == "" {
			succ = cur.KeyID
		}
		if cur.KeyID == old || cur.KeyID != succ {
			t.Fatalf("segment %d is under key %s, want the one successor (old %s)", i, cur.KeyID, old)
		}
		got, err := e.read(*cur)
		if err != nil {
			t.Fatalf("segment %d unreadable: %v", i, err)
		}
		if !bytes.Equal(got, minute(t)) {
			t.Fatalf("segment %d's footage changed", i)
		}
	}
	sk, err := e.db.Key(e.ctx, succ)
	if err != nil || sk.Replaces != old || !sk.Destroyed.IsZero() || sk.Period != k.Period || !sk.Expires.Equal(k.Expires) {
		t.Fatalf("successor key %+v (%v); old %+v", sk, err, k)
	}
	if cur, err := e.db.Segment(e.ctx, other.ID); err != nil || cur.KeyID != other.KeyID {
		t.Fatalf("cam-2's segment changed: %+v %v", cur, err)
	}
	if found, err := e.v.Find(e.ctx, "cam-1", delFrom, delTo); err != nil || len(found) != 0 {
		t.Fatalf("%d segments still in the window (%v)", len(found), err)
	}
	rep, err := e.v.Verify(e.ctx, vault.LevelHash, nil)
	if err != nil || len(rep.Problems) != 0 || rep.Segments != len(segs)-1 {
		t.Fatalf("verify: %+v %v", rep, err)
	}
	// The footage around the window plays: a clip of 10:00–10:02 and of 10:04–10:06.
	for _, w := range [][2]time.Duration{{0, 2 * time.Minute}, {4 * time.Minute, 6 * time.Minute}} {
		var buf bytes.Buffer
		info, err := e.v.Clip(e.ctx, &buf, "cam-1", day0.Add(w[0]), day0.Add(w[1]))
		if err != nil || info.Segments != 2 || buf.Len() == 0 {
			t.Fatalf("clip %v: %+v %v", w, info, err)
		}
	}
	// A clip across the window has the window's segments missing.
	var buf bytes.Buffer
	if info, err := e.v.Clip(e.ctx, &buf, "cam-1", day0, day0.Add(6*time.Minute)); err != nil || info.Segments != 4 {
		t.Fatalf("clip across the window: %+v %v", info, err)
	}
	pending, err := e.db.PendingDeletions(e.ctx)
	if err != nil || len(pending) != 0 {
		t.Fatalf("deletions left pending: %+v %v", pending, err)
	}
	if g, err := e.db.PendingGarbage(e.ctx); err != nil || len(g) != 0 {
		t.Fatalf("garbage left: %+v %v", g, err)
	}
	all, err := e.v.Destructions(e.ctx, time.Time{}, time.Time{})
	var recs []custodian.Destruction
	for _, r := range all {
		if r.Method == vault.DeletionMethod {
			recs = append(recs, r)
		}
	}
	if err != nil || len(recs) != 1 {
		t.Fatalf("destruction records: %+v %v", all, err)
	}
	r := recs[0]
	if r.Segments != 2 || !r.From.Equal(day0.Add(2*time.Minute)) || !r.To.Equal(day0.Add(4*time.Minute)) || r.KeyID != old ||
		r.Method != vault.DeletionMethod || r.Actor != "privacy-officer" || !strings.Contains(r.Reason, delReason) || r.Camera != "cam-1" {
		t.Fatalf("destruction record: %+v", r)
	}
}

// saveCopies copies the files of every segment aside (a backup taken before the deletion).
func saveCopies(t *testing.T, e *env, segs []*custodian.Segment) map[string][]byte {
	out := map[string][]byte{}
	for _, s := range segs {
		b, err := os.ReadFile(e.vaultFile(s.Path))
		if err != nil {
			t.Fatal(err)
		}
		out[s.ID] = b
	}
	return out
}

// checkIrrecoverable puts the saved copy of each window segment back and shows that no key
// in the catalog opens it: not its own (destroyed), not any live one.
func checkIrrecoverable(t *testing.T, e *env, segs []*custodian.Segment, copies map[string][]byte) {
	t.Helper()
	live, err := e.db.LiveKeys(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range segs {
		if !inWindow(i) {
			continue
		}
		path := "restored/" + s.ID + ".seg"
		os.MkdirAll(filepath.Dir(e.vaultFile(path)), 0o700)
		if err := os.WriteFile(e.vaultFile(path), copies[s.ID], 0o600); err != nil {
			t.Fatal(err)
		}
		try := *s
		try.Path = path
		if _, err := e.read(try); err == nil {
			t.Fatalf("segment %d's saved copy opens under its own key", i)
		}
		for _, k := range live {
			try.KeyID = k.ID
			if b, err := e.read(try); err == nil || len(b) > 0 {
				t.Fatalf("segment %d's saved copy opens under live key %s", i, k.ID)
			}
		}
		os.RemoveAll(e.vaultFile("restored"))
	}
}

func TestDeleteWindowDestroysTheWindowIrrecoverably(t *testing.T) {
	e, segs, other := deletionDay(t)
	k, err := e.db.Key(e.ctx, segs[0].KeyID)
	if err != nil {
		t.Fatal(err)
	}
	copies := saveCopies(t, e, segs)
	d, err := e.v.DeleteWindow(e.ctx, "cam-1", delFrom, delTo, delReason, "privacy-officer")
	if err != nil {
		t.Fatal(err)
	}
	if d.Segments != 2 || !d.From.Equal(day0.Add(2*time.Minute)) || !d.To.Equal(day0.Add(4*time.Minute)) || d.ID == 0 || d.KeyID != k.ID {
		t.Fatalf("returned destruction: %+v", d)
	}
	checkDeleted(t, e, segs, other, k.Wrapped)
	checkIrrecoverable(t, e, segs, copies)
	if n := e.rec.count(vault.ActionDelete); n != 1 {
		t.Fatalf("%d footage.delete events, want 1", n)
	}
	// The access log agrees with the catalog: every segment moved was logged as moved,
	// every segment gone had its key destroyed.
	problems, err := e.v.CrossCheck(e.ctx, e.rec.scan)
	if err != nil || len(problems) != 0 {
		t.Fatalf("cross-check: %+v %v", problems, err)
	}
	// The rest of the day is recorded under the successor, in its own directory.
	later := e.write("cam-1", day0.Add(10*time.Minute), minute(t))
	if cur, _ := e.db.Segment(e.ctx, segs[0].ID); later.KeyID != cur.KeyID || !strings.Contains(later.Path, cur.KeyID) {
		t.Fatalf("a later segment went under key %s (%s), want the successor %s", later.KeyID, later.Path, cur.KeyID)
	}
	// Again: nothing is left to delete, and nothing changes.
	if _, err := e.v.DeleteWindow(e.ctx, "cam-1", delFrom, delTo, delReason, "privacy-officer"); custodian.ErrorCode(err) != custodian.ENOTFOUND {
		t.Fatalf("second deletion: %v", err)
	}
	if recs, _ := e.v.Destructions(e.ctx, time.Time{}, time.Time{}); len(recs) != 1 {
		t.Fatalf("%d destruction records after a second deletion", len(recs))
	}
	// Retention destroys the successor with its day, directory and all.
	e.clock.Set(time.Date(2026, 11, 1, 0, 0, 0, 0, custodian.KST))
	if rep, err := e.v.RunRetention(e.ctx, policy(thirtyDays), false); err != nil || rep.Segments != 6 {
		t.Fatalf("retention after a deletion: %+v %v", rep, err)
	}
	if entries, err := os.ReadDir(e.vaultFile("cam-1")); err != nil || len(entries) != 0 {
		t.Fatalf("cam-1's directory after retention: %v %v", entries, err)
	}
}

// scan reads the recorded events as the access log's scanner does.
func (r *recorder) scan(ctx context.Context, since time.Time, fn func(vault.LoggedEvent) error) error {
	r.mu.Lock()
	events := append([]vault.Event(nil), r.events...)
	r.mu.Unlock()
	for i, ev := range events {
		if err := fn(vault.LoggedEvent{Seq: uint64(i + 1), Action: ev.Action, Object: ev.Object, Detail: ev.Detail}); err != nil {
			return err
		}
	}
	return nil
}

// unchanged checks that a refused deletion changed nothing.
func unchanged(t *testing.T, e *env, segs []*custodian.Segment, keys map[string]string) {
	t.Helper()
	for i, s := range segs {
		cur, err := e.db.Segment(e.ctx, s.ID)
		if err != nil {
			t.Fatalf("segment %d gone after a refused deletion", i)
		}
		if keys != nil && cur.KeyID != keys[s.ID] {
			t.Fatalf("segment %d moved by a refused deletion", i)
		}
		if _, err := e.read(*cur); err != nil {
			t.Fatalf("segment %d unreadable after a refused deletion: %v", i, err)
		}
	}
	if p, err := e.db.PendingDeletions(e.ctx); err != nil || len(p) != 0 {
		t.Fatalf("a refused deletion left an intent: %+v %v", p, err)
	}
	if recs, _ := e.v.Destructions(e.ctx, time.Time{}, time.Time{}); len(recs) != 0 {
		t.Fatalf("a refused deletion wrote %d destruction records", len(recs))
	}
	if n := e.rec.count(vault.ActionDelete); n != 0 {
		t.Fatalf("a refused deletion was logged as done")
	}
}

func keysOf(t *testing.T, e *env, segs []*custodian.Segment) map[string]string {
	out := map[string]string{}
	for _, s := range segs {
		cur, err := e.db.Segment(e.ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		out[s.ID] = cur.KeyID
	}
	return out
}

func TestDeleteWindowRefusesHeldFootage(t *testing.T) {
	e, segs, other := deletionDay(t)
	k, _ := e.db.Key(e.ctx, segs[0].KeyID)
	// A hold on 10:03:30–10:05 covers segment 3 (in the window) and 4.
	h, err := e.v.AddHold(e.ctx, "cam-1", day0.Add(3*time.Minute+30*time.Second), day0.Add(5*time.Minute), "경찰 수사 협조 제2026-77호", custodian.Date{}, "tester")
	if err != nil {
		t.Fatal(err)
	}
	keys := keysOf(t, e, segs)
	_, err = e.v.DeleteWindow(e.ctx, "cam-1", delFrom, delTo, delReason, "privacy-officer")
	if custodian.ErrorCode(err) != custodian.ECONFLICT || !strings.Contains(err.Error(), fmt.Sprint(h.ID)) || !strings.Contains(err.Error(), "제2026-77호") {
		t.Fatalf("deletion of held footage: %v", err)
	}
	t.Log(err)
	unchanged(t, e, segs, keys)
	// A hold added but not yet applied (only retention moves later footage) counts too.
	if _, err := e.v.ReleaseHold(e.ctx, h.ID, "tester"); err != nil {
		t.Fatal(err)
	}
	// Released: the deletion goes ahead, and the segment the hold kept outside the window
	// (4) is under the successor like the rest.
	if _, err := e.v.DeleteWindow(e.ctx, "cam-1", delFrom, delTo, delReason, "privacy-officer"); err != nil {
		t.Fatal(err)
	}
	checkDeleted(t, e, segs, other, k.Wrapped)
}

func TestDeleteWindowHoldOutsideTheWindowKeepsItsFootage(t *testing.T) {
	e, segs, _ := deletionDay(t)
	// A hold on segment 5, not in the window: the deletion leaves it under the hold.
	h, err := e.v.AddHold(e.ctx, "cam-1", day0.Add(5*time.Minute), day0.Add(6*time.Minute), "보존", custodian.Date{}, "tester")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.v.DeleteWindow(e.ctx, "cam-1", delFrom, delTo, delReason, "privacy-officer"); err != nil {
		t.Fatal(err)
	}
	cur, err := e.db.Segment(e.ctx, segs[5].ID)
	if err != nil || cur.KeyID != h.KeyID {
		t.Fatalf("the held segment: %+v %v", cur, err)
	}
	if rep, err := e.v.Verify(e.ctx, vault.LevelHash, nil); err != nil || len(rep.Problems) != 0 {
		t.Fatalf("verify: %+v %v", rep, err)
	}
}

func TestDeleteWindowBadInputChangesNothing(t *testing.T) {
	e, segs, _ := deletionDay(t)
	keys := keysOf(t, e, segs)
	now := e.clock.Now()
	for _, tc := range []struct {
		name           string
		camera         string
		from, to       time.Time
		reason, by     string
		code, contains string
	}{
		{"bad camera", "../cam", delFrom, delTo, delReason, "x", custodian.EINVALID, "camera"},
		{"empty window", "cam-1", delTo, delTo, delReason, "x", custodian.EINVALID, "after its start"},
		{"reversed window", "cam-1", delTo, delFrom, delReason, "x", custodian.EINVALID, "after its start"},
		{"future", "cam-1", delFrom, now.Add(time.Minute), delReason, "x", custodian.EINVALID, "future"},
		{"no reason", "cam-1", delFrom, delTo, "  ", "x", custodian.EINVALID, "reason"},
		{"no actor", "cam-1", delFrom, delTo, delReason, "", custodian.EINVALID, "decided"},
		{"invisible characters", "cam-1", delFrom, delTo, "삭제\u200b", "x", custodian.EINVALID, "reason"},
		{"nothing there", "cam-1", day0.Add(-time.Hour), day0.Add(-30 * time.Minute), delReason, "x", custodian.ENOTFOUND, "no footage"},
		{"other camera", "cam-9", delFrom, delTo, delReason, "x", custodian.ENOTFOUND, "no footage"},
	} {
		_, err := e.v.DeleteWindow(e.ctx, tc.camera, tc.from, tc.to, tc.reason, tc.by)
		if custodian.ErrorCode(err) != tc.code || !strings.Contains(err.Error(), tc.contains) {
			t.Errorf("%s: %v, want %s containing %q", tc.name, err, tc.code, tc.contains)
		}
	}
	unchanged(t, e, segs, keys)
}

func TestDeleteWindowBesideTheRecorder(t *testing.T) {
	e, segs, other := deletionDay(t)
	k, _ := e.db.Key(e.ctx, segs[0].KeyID)
	// A segment being recorded into the window: refused at once, nothing changes.
	into, err := e.v.Create(e.ctx, "cam-1", day0.Add(3*time.Minute), "standard", thirtyDays)
	if err != nil {
		t.Fatal(err)
	}
	keys := keysOf(t, e, segs)
	if _, err := e.v.DeleteWindow(e.ctx, "cam-1", delFrom, delTo, delReason, "privacy-officer"); custodian.ErrorCode(err) != custodian.ECONFLICT || !strings.Contains(err.Error(), "try again") {
		t.Fatalf("deletion with a segment being recorded into the window: %v", err)
	}
	unchanged(t, e, segs, keys)
	into.Abort(e.ctx)
	// A segment being recorded after the window, under the day's key: the deletion retires
	// the key (new segments use the successor), waits for it, and says to try again when
	// it does not close in time. Nothing is destroyed.
	defer vault.SetDeleteWait(50 * time.Millisecond)()
	w, err := e.v.Create(e.ctx, "cam-1", day0.Add(6*time.Minute), "standard", thirtyDays)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(minute(t)); err != nil {
		t.Fatal(err)
	}
	_, err = e.v.DeleteWindow(e.ctx, "cam-1", delFrom, delTo, delReason, "privacy-officer")
	if custodian.ErrorCode(err) != custodian.ECONFLICT || !strings.Contains(err.Error(), "old key") {
		t.Fatalf("deletion beside a segment being recorded: %v", err)
	}
	if recs, _ := e.v.Destructions(e.ctx, time.Time{}, time.Time{}); len(recs) != 0 {
		t.Fatal("footage destroyed while a segment was being recorded under its key")
	}
	// Meanwhile the next segment begins under the successor.
	next, err := e.v.Create(e.ctx, "cam-1", day0.Add(8*time.Minute), "standard", thirtyDays)
	if err != nil {
		t.Fatal(err)
	}
	if cur, err := e.db.Segment(e.ctx, next.ID()); err != nil || cur.KeyID == k.ID {
		t.Fatalf("a segment begun after the old key's retirement: %+v %v", cur, err)
	}
	next.Abort(e.ctx)
	seg6, err := w.Commit(e.ctx, day0.Add(7*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if seg6.KeyID != k.ID {
		t.Fatalf("the segment in flight was under %s, want the old key %s", seg6.KeyID, k.ID)
	}
	// Run again: it finishes, and the segment recorded meanwhile survives.
	if _, err := e.v.DeleteWindow(e.ctx, "cam-1", delFrom, delTo, delReason, "privacy-officer"); err != nil {
		t.Fatal(err)
	}
	cur, err := e.db.Segment(e.ctx, seg6.ID)
	if err != nil || cur.KeyID == k.ID {
		t.Fatalf("the segment recorded during the deletion: %+v %v", cur, err)
	}
	checkDeleted(t, e, append(segs, seg6), other, k.Wrapped)
}

// TestDeleteWindowCrashAtEachStep fails the deletion at each step, as a crash there would,
// reopens the vault (recovery runs), checks that nothing outside the window was lost and
// the vault verifies, and finishes the deletion by running it again (or by retention).
func TestDeleteWindowCrashAtEachStep(t *testing.T) {
	for _, step := range []string{"begun", "rotated", "moved-one", "moved", "logged", "destroyed"} {
		for _, finish := range []string{"rerun", "retention"} {
			t.Run(step+"/"+finish, func(t *testing.T) {
				e, segs, other := deletionDay(t)
				k, _ := e.db.Key(e.ctx, segs[0].KeyID)
				copies := saveCopies(t, e, segs)
				restore := vault.FailDeletionAt(step)
				_, err := e.v.DeleteWindow(e.ctx, "cam-1", delFrom, delTo, delReason, "privacy-officer")
				restore()
				if err == nil || !strings.Contains(err.Error(), "injected crash") {
					t.Fatalf("no crash at %s: %v", step, err)
				}
				e.reopen()
				// Nothing outside the window is lost, whatever key it is under.
				for i, s := range segs {
					cur, err := e.db.Segment(e.ctx, s.ID)
					if err != nil {
						if inWindow(i) {
							continue
						}
						t.Fatalf("segment %d outside the window lost after a crash at %s", i, step)
					}
					if got, err := e.read(*cur); err != nil || !bytes.Equal(got, minute(t)) {
						t.Fatalf("segment %d unreadable after a crash at %s: %v", i, step, err)
					}
				}
				if rep, err := e.v.Verify(e.ctx, vault.LevelHash, nil); err != nil || len(rep.Problems) != 0 {
					t.Fatalf("verify after a crash at %s: %+v %v", step, rep, err)
				}
				switch finish {
				case "rerun":
					d, err := e.v.DeleteWindow(e.ctx, "cam-1", delFrom, delTo, delReason, "privacy-officer")
					if err != nil || d.Segments != 2 {
						t.Fatalf("rerun after a crash at %s: %+v %v", step, d, err)
					}
				case "retention":
					if _, err := e.v.RunRetention(e.ctx, policy(thirtyDays), false); err != nil {
						t.Fatal(err)
					}
				}
				checkDeleted(t, e, segs, other, k.Wrapped)
				checkIrrecoverable(t, e, segs, copies)
				problems, err := e.v.CrossCheck(e.ctx, e.rec.scan)
				if err != nil || len(problems) != 0 {
					t.Fatalf("cross-check: %+v %v", problems, err)
				}
			})
		}
	}
}
