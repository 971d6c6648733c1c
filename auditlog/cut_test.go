package auditlog

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"custodian"
)

// cutAt truncates the month file at the end of the record with seq keep (a record
// boundary: what is left is a well-formed, shorter log).
func cutAt(t *testing.T, path string, keep uint64) {
	t.Helper()
	for _, f := range frames(t, path) {
		if f.seq == keep {
			if err := os.Truncate(path, f.off+f.n); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no record %d in %s", keep, path)
}

// The tail is cut at a record boundary while a Log is open: the next append is refused
// with a clear error (not chained to the cut), and so is every later append and
// checkpoint; nothing is written after the cut; the alarm is raised once.
func TestCutWhileOpenRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "audit")
	clk := newTestClock(novemberT, time.Second)
	var mu sync.Mutex
	var alarms []error
	l := openLog(t, dir, Options{Now: clk.Now, Alarm: func(err error) { mu.Lock(); alarms = append(alarms, err); mu.Unlock() }})
	appendN(t, l, 10, "kim")
	if _, err := l.Checkpoint(bgctx); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "2026-11.log")
	cutAt(t, path, 8)
	size := int64(len(readFile(t, path)))
	cps := readFile(t, filepath.Join(dir, CheckpointsFile))

	_, err := l.Append(bgctx, Event{Actor: "kim", Action: ActionPlayback, Camera: "lobby-1f", Purpose: "확인"})
	if custodian.ErrorCode(err) != custodian.ECONFLICT || !strings.Contains(err.Error(), "seq 10") || !strings.Contains(err.Error(), "2026-11.log") {
		t.Fatalf("append after the cut: %v", err)
	}
	if _, err2 := l.Append(bgctx, Event{Actor: "lee", Action: ActionLive}); err2 == nil || err2.Error() != err.Error() {
		t.Fatalf("the second append after the cut: %v", err2)
	}
	if _, err := l.Checkpoint(bgctx); custodian.ErrorCode(err) != custodian.ECONFLICT {
		t.Fatalf("checkpoint after the cut: %v", err)
	}
	if l.Err() == nil {
		t.Fatal("Err() is nil after the cut")
	}
	if err := l.Close(); custodian.ErrorCode(err) != custodian.ECONFLICT {
		t.Fatalf("close after the cut: %v", err)
	}
	if got := int64(len(readFile(t, path))); got != size {
		t.Fatalf("the log was written after the cut: %d bytes, cut to %d", got, size)
	}
	if string(readFile(t, filepath.Join(dir, CheckpointsFile))) != string(cps) {
		t.Fatal("a checkpoint was signed over the shortened log")
	}
	mu.Lock()
	if len(alarms) != 1 {
		t.Fatalf("alarms: %v", alarms)
	}
	mu.Unlock()
	// The checkpoint at 10 shows the cut.
	rep := verify(t, dir)
	if rep.OK() || rep.LastSeq != 8 || !strings.Contains(rep.Problems[0].En, "removed from the end") {
		t.Fatalf("verify after the cut: %+v", rep.Problems)
	}
}

// The tail is cut and another writer (one without the mark, or before it was saved)
// appends after the cut, so that the file is as long as before or longer: the Log that
// wrote the removed records notices that the file no longer ends with its last record.
func TestCutAndRewrittenWhileOpenRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "audit")
	clk := newTestClock(novemberT, time.Second)
	l := openLog(t, dir, Options{Now: clk.Now})
	appendN(t, l, 10, "kim")
	path := filepath.Join(dir, "2026-11.log")
	size := int64(len(readFile(t, path)))
	cutAt(t, path, 7)
	other := openLog(t, dir, Options{Now: clk.Now})
	for int64(len(readFile(t, path))) <= size {
		appendN(t, other, 1, "forger")
	}
	if _, err := l.Append(bgctx, Event{Actor: "kim", Action: ActionLive}); custodian.ErrorCode(err) != custodian.ECONFLICT {
		t.Fatalf("append after the tail was rewritten: %v", err)
	}
	other.Close()
	l.Close()
}

// Appends by another Log on the same directory (another process) are followed, not
// taken for a cut.
func TestOtherWriterIsNotACut(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "audit")
	clk := newTestClock(novemberT, time.Second)
	a := openLog(t, dir, Options{Now: clk.Now})
	b := openLog(t, dir, Options{Now: clk.Now})
	for i := 0; i < 20; i++ {
		appendN(t, a, 1, "a")
		appendN(t, b, 2, "b")
	}
	clk.Set(time.Date(2026, 12, 1, 0, 0, 1, 0, custodian.KST)) // b starts December
	appendN(t, b, 1, "b")
	appendN(t, a, 1, "a")
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if rep := mustClean(t, dir); rep.LastSeq != 62 {
		t.Fatalf("last seq %d", rep.LastSeq)
	}
}
