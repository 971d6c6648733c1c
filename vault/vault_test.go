package vault_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"custodian"
	"custodian/datadir"
	"custodian/sqlite"
	"custodian/vault"
)

// recorder keeps the events the vault records. The vault's contract with the access log is
// that Record returns only once the event is durable; here that is the append to a slice.
type recorder struct {
	mu     sync.Mutex
	events []vault.Event
	fail   error
}

func (r *recorder) Record(ctx context.Context, e vault.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.events = append(r.events, e)
	return nil
}

func (r *recorder) count(action string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.events {
		if e.Action == action {
			n++
		}
	}
	return n
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

type env struct {
	t     *testing.T
	ctx   context.Context
	data  *datadir.Dir
	db    *sqlite.DB
	v     *vault.Vault
	rec   *recorder
	clock *clock
}

// day0 is the day the tests' footage is filmed, 10:00 KST.
var day0 = time.Date(2026, 10, 1, 10, 0, 0, 0, custodian.KST)

var thirtyDays = custodian.Retention{Days: 30}

func newEnv(t *testing.T) *env {
	t.Helper()
	d, err := datadir.Init(filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), d.DBPath())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{t: t, ctx: context.Background(), data: d, db: db, rec: &recorder{}, clock: &clock{t: day0}}
	e.reopen()
	t.Cleanup(func() { e.v.Close() })
	return e
}

// reopen closes the vault, as a process that ends does, and opens it again (recovery runs:
// no other process has it open).
func (e *env) reopen() {
	e.t.Helper()
	if e.v != nil {
		e.v.Close()
	}
	v, err := vault.Open(e.ctx, vault.Options{Data: e.data, Catalog: e.db, Audit: e.rec, Now: e.clock.Now, Actor: "test"})
	if err != nil {
		e.t.Fatal(err)
	}
	e.v = v
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// write stores a segment of camera starting at start, lasting a minute.
func (e *env) write(camera string, start time.Time, data []byte) *custodian.Segment {
	e.t.Helper()
	w, err := e.v.Create(e.ctx, camera, start, "standard", thirtyDays)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		e.t.Fatal(err)
	}
	s, err := w.Commit(e.ctx, start.Add(time.Minute))
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

func (e *env) read(s custodian.Segment) ([]byte, error) {
	seg, err := e.v.Open(e.ctx, s)
	if err != nil {
		return nil, err
	}
	defer seg.Close()
	return seg.ReadAll()
}

func TestWriteReadRoundTrip(t *testing.T) {
	e := newEnv(t)
	for _, n := range []int{0, 1, vault.ChunkSize - 1, vault.ChunkSize, vault.ChunkSize + 1, 3*vault.ChunkSize + 777} {
		data := randomBytes(n)
		s := e.write("cam-1", day0.Add(time.Duration(n)*time.Millisecond), data)
		got, err := e.read(*s)
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("%d bytes: the footage read differs", n)
		}
		if s.PlainSize != int64(n) {
			t.Fatalf("plain size %d, want %d", s.PlainSize, n)
		}
		st, _ := os.Stat(filepath.Join(e.data.Path, "vault", s.Path))
		if st.Size() != s.StoredSize || st.Mode().Perm() != 0o600 {
			t.Fatalf("file size %d mode %v, catalog %d", st.Size(), st.Mode().Perm(), s.StoredSize)
		}
	}
	if got := e.rec.count(vault.ActionSegmentCreate); got != 6 {
		t.Fatalf("%d creation events, want 6", got)
	}
}

func TestRandomAccess(t *testing.T) {
	e := newEnv(t)
	data := randomBytes(5*vault.ChunkSize + 123)
	s := e.write("cam-1", day0, data)
	seg, err := e.v.Open(e.ctx, *s)
	if err != nil {
		t.Fatal(err)
	}
	defer seg.Close()
	for _, r := range [][2]int{{0, 10}, {vault.ChunkSize - 5, 10}, {2*vault.ChunkSize + 1, vault.ChunkSize * 2}, {len(data) - 7, 7}, {len(data) - 7, 100}} {
		buf := make([]byte, r[1])
		n, err := seg.ReadAt(buf, int64(r[0]))
		want := data[r[0]:min(r[0]+r[1], len(data))]
		if !bytes.Equal(buf[:n], want) {
			t.Fatalf("ReadAt(%d, %d): wrong bytes", r[0], r[1])
		}
		if n < r[1] && !errors.Is(err, io.EOF) {
			t.Fatalf("short read without EOF: %v", err)
		}
	}
}

// TestNoPlaintextOnDisk checks that nothing of the footage appears in the vault's files.
func TestNoPlaintextOnDisk(t *testing.T) {
	e := newEnv(t)
	data := bytes.Repeat([]byte("PLAINTEXT-FOOTAGE-MARKER-"), 20000)
	e.write("cam-1", day0, data)
	filepath.WalkDir(e.data.Path, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		if bytes.Contains(b, []byte("PLAINTEXT-FOOTAGE")) {
			t.Errorf("%s contains plaintext footage", p)
		}
		return nil
	})
}

func TestTamperingIsDetected(t *testing.T) {
	e := newEnv(t)
	data := randomBytes(3*vault.ChunkSize + 10)
	s := e.write("cam-1", day0, data)
	other := e.write("cam-1", day0.Add(time.Minute), randomBytes(3*vault.ChunkSize+10))
	path := filepath.Join(e.data.Path, "vault", s.Path)
	orig, _ := os.ReadFile(path)
	chunk := int64(vault.ChunkSize + 16)
	restore := func() { os.WriteFile(path, orig, 0o600) }
	for _, c := range []struct {
		name   string
		change func() []byte
		want   string
	}{
		{"flipped byte in chunk 2", func() []byte {
			b := bytes.Clone(orig)
			b[vault.HeaderSize+2*chunk+100] ^= 1
			return b
		}, "chunk 2"},
		{"flipped byte in the header's reserved bytes", func() []byte {
			b := bytes.Clone(orig)
			b[50] ^= 1
			return b
		}, "reserved"},
		{"flipped byte in the header's segment ID", func() []byte {
			b := bytes.Clone(orig)
			b[20] ^= 1
			return b
		}, "another segment"},
		{"flipped byte in the header's key ID", func() []byte {
			b := bytes.Clone(orig)
			b[40] ^= 1
			return b
		}, "another key"},
		{"truncated at a chunk boundary", func() []byte { return bytes.Clone(orig[:vault.HeaderSize+3*chunk]) }, "chunk 2"},
		{"truncated inside a chunk", func() []byte { return bytes.Clone(orig[:len(orig)-3]) }, ""},
		{"bytes appended", func() []byte { return append(bytes.Clone(orig), randomBytes(40)...) }, ""},
		{"chunks swapped", func() []byte {
			b := bytes.Clone(orig)
			c0 := bytes.Clone(b[vault.HeaderSize : vault.HeaderSize+chunk])
			copy(b[vault.HeaderSize:], b[vault.HeaderSize+chunk:vault.HeaderSize+2*chunk])
			copy(b[vault.HeaderSize+chunk:], c0)
			return b
		}, "chunk 0"},
		{"another segment's file", func() []byte {
			b, _ := os.ReadFile(filepath.Join(e.data.Path, "vault", other.Path))
			return b
		}, "another segment"},
	} {
		os.WriteFile(path, c.change(), 0o600)
		// Playback's read, without the whole-segment hash, finds it by the chunks alone.
		if seg, err := e.v.Open(e.ctx, *s); err == nil {
			_, err = seg.ReadAllUnhashed()
			seg.Close()
			if err == nil {
				t.Errorf("%s: not detected without the hash", c.name)
			}
		}
		_, err := e.read(*s)
		if err == nil {
			t.Errorf("%s: not detected", c.name)
		} else if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), s.ID) {
			t.Errorf("%s: %v (want it to name the segment and %q)", c.name, err, c.want)
		}
		rep, verr := e.v.Verify(e.ctx, vault.LevelHash, nil)
		if verr != nil {
			t.Fatal(verr)
		}
		if len(rep.Problems) != 1 || rep.Problems[0].Segment != s.ID {
			t.Errorf("%s: verify found %+v", c.name, rep.Problems)
		}
		restore()
	}
	if _, err := e.read(*s); err != nil {
		t.Fatalf("restored file: %v", err)
	}
}

func TestWrongMasterKeyIsRefused(t *testing.T) {
	e := newEnv(t)
	e.write("cam-1", day0, randomBytes(1000))
	keyFile := e.data.File(datadir.MasterKeyFile)
	good, _ := os.ReadFile(keyFile)
	other := make([]byte, 32)
	rand.Read(other)
	os.WriteFile(keyFile, []byte(datadir.EncodeMasterKey(other)), 0o600)
	idBefore, _ := e.db.MasterKeyID(e.ctx)
	// Leave a segment "being written" so that recovery would change something.
	w, err := e.v.Create(e.ctx, "cam-1", day0.Add(time.Hour), "standard", thirtyDays)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(randomBytes(100))
	_, err = vault.Open(e.ctx, vault.Options{Data: e.data, Catalog: e.db, Audit: e.rec, Now: e.clock.Now})
	if custodian.ErrorCode(err) != custodian.EINVALID || !strings.Contains(err.Error(), "wrong master key") {
		t.Fatalf("wrong key: %v", err)
	}
	if id, _ := e.db.MasterKeyID(e.ctx); id != idBefore {
		t.Fatal("the recorded master key changed")
	}
	if ws, _ := e.db.WritingSegments(e.ctx); len(ws) != 1 {
		t.Fatal("recovery ran with the wrong master key")
	}
	os.WriteFile(keyFile, good, 0o600)
	e.reopen()
	if ws, _ := e.db.WritingSegments(e.ctx); len(ws) != 0 {
		t.Fatal("recovery did not remove the incomplete segment")
	}
}

func TestRecoveryRemovesIncompleteSegments(t *testing.T) {
	e := newEnv(t)
	kept := e.write("cam-1", day0, randomBytes(2000))
	w, err := e.v.Create(e.ctx, "cam-1", day0.Add(time.Minute), "standard", thirtyDays)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(randomBytes(3 * vault.ChunkSize))
	// A crash: the writer is gone without Commit or Abort.
	e.reopen()
	if _, err := e.db.Segment(e.ctx, w.ID()); custodian.ErrorCode(err) != custodian.ENOTFOUND {
		t.Fatalf("incomplete segment still catalogued: %v", err)
	}
	entries, _ := filepath.Glob(filepath.Join(e.data.Path, "vault", "cam-1", "*", "*.seg"))
	if len(entries) != 1 || !strings.Contains(entries[0], kept.ID) {
		t.Fatalf("files after recovery: %v", entries)
	}
	if e.rec.count(vault.ActionSegmentDiscard) != 1 {
		t.Fatal("the discard was not logged")
	}
	if rep, _ := e.v.Verify(e.ctx, vault.LevelHash, nil); len(rep.Problems) != 0 {
		t.Fatalf("verify after recovery: %+v", rep.Problems)
	}
}

func TestAbortLeavesNothing(t *testing.T) {
	e := newEnv(t)
	w, err := e.v.Create(e.ctx, "cam-1", day0, "standard", thirtyDays)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(randomBytes(1000))
	if err := w.Abort(e.ctx); err != nil {
		t.Fatal(err)
	}
	if rep, _ := e.v.Verify(e.ctx, vault.LevelPresence, nil); rep.Segments != 0 || len(rep.Problems) != 0 {
		t.Fatalf("after abort: %+v", rep)
	}
	// A failing access log makes the commit fail and leaves nothing behind.
	w, _ = e.v.Create(e.ctx, "cam-1", day0.Add(time.Minute), "standard", thirtyDays)
	w.Write(randomBytes(1000))
	e.rec.fail = errors.New("log unavailable")
	if _, err := w.Commit(e.ctx, day0.Add(2*time.Minute)); err == nil {
		t.Fatal("commit succeeded without its creation record")
	}
	e.rec.fail = nil
	if rep, _ := e.v.Verify(e.ctx, vault.LevelPresence, nil); rep.Segments != 0 || len(rep.Problems) != 0 {
		t.Fatalf("after a failed commit: %+v", rep)
	}
}

func policy(ret custodian.Retention) vault.Policy {
	return func(string) (string, custodian.Retention, bool) { return "standard", ret, true }
}

func TestRetentionDestroysOnTimeAndIrrecoverably(t *testing.T) {
	e := newEnv(t)
	a := e.write("cam-1", day0, randomBytes(100000))
	b := e.write("cam-1", day0.Add(24*time.Hour), randomBytes(100000)) // the next day
	copyOfA, _ := os.ReadFile(filepath.Join(e.data.Path, "vault", a.Path))
	keyA, _ := e.db.Key(e.ctx, a.KeyID)
	wrapped := bytes.Clone(keyA.Wrapped)

	// Filmed on 2026-10-01 under 30 days: kept through 2026-10-31, destroyed at 2026-11-01 00:00 KST.
	expiry := time.Date(2026, 11, 1, 0, 0, 0, 0, custodian.KST)
	e.clock.Set(expiry.Add(-time.Nanosecond))
	rep, err := e.v.RunRetention(e.ctx, policy(thirtyDays), false)
	if err != nil || len(rep.Destroyed) != 0 {
		t.Fatalf("before expiry: %+v %v", rep, err)
	}
	e.clock.Set(expiry)
	dry, err := e.v.RunRetention(e.ctx, policy(thirtyDays), true)
	if err != nil || len(dry.Destroyed) != 1 || dry.Segments != 1 {
		t.Fatalf("dry run: %+v %v", dry, err)
	}
	if _, err := e.read(*a); err != nil {
		t.Fatal("the dry run destroyed footage")
	}
	rep, err = e.v.RunRetention(e.ctx, policy(thirtyDays), false)
	if err != nil || len(rep.Destroyed) != 1 || rep.Segments != 1 || rep.Bytes != a.StoredSize {
		t.Fatalf("at expiry: %+v %v", rep, err)
	}
	if _, err := e.read(*a); err == nil {
		t.Fatal("destroyed footage can still be read")
	}
	if _, err := os.Stat(filepath.Join(e.data.Path, "vault", filepath.Dir(a.Path))); !os.IsNotExist(err) {
		t.Fatal("the day's directory is still there")
	}
	if _, err := e.read(*b); err != nil {
		t.Fatalf("the next day's footage was destroyed too: %v", err)
	}
	// The destroyed key's bytes are nowhere in the database files, so a copy of the segment
	// file cannot be decrypted even by someone holding the master key.
	for _, f := range []string{"custodian.db", "custodian.db-wal"} {
		b, _ := os.ReadFile(filepath.Join(e.data.Path, f))
		if bytes.Contains(b, wrapped) {
			t.Fatalf("%s still holds the destroyed wrapped key", f)
		}
	}
	if k, _ := e.db.Key(e.ctx, a.KeyID); k.Wrapped != nil || k.Destroyed.IsZero() {
		t.Fatal("the key row is not destroyed")
	}
	if len(copyOfA) == 0 {
		t.Fatal("no copy")
	}
	recs, _ := e.v.Destructions(e.ctx, time.Time{}, time.Time{})
	if len(recs) != 1 || recs[0].Camera != "cam-1" || recs[0].Segments != 1 || recs[0].Actor != "test" || !recs[0].From.Equal(time.Date(2026, 10, 1, 0, 0, 0, 0, custodian.KST)) {
		t.Fatalf("destruction record: %+v", recs)
	}
	if e.rec.count(vault.ActionRetentionDestroy) != 1 {
		t.Fatal("the destruction was not logged")
	}
	// Running again destroys nothing more.
	if rep, _ := e.v.RunRetention(e.ctx, policy(thirtyDays), false); len(rep.Destroyed) != 0 {
		t.Fatalf("second run: %+v", rep)
	}
}

func TestRetentionFollowsTheRegistry(t *testing.T) {
	e := newEnv(t)
	a := e.write("cam-1", day0, randomBytes(1000))
	// The class becomes 7 days: footage of 10-01 now expires at 10-09 00:00 KST.
	e.clock.Set(time.Date(2026, 10, 9, 0, 0, 0, 0, custodian.KST))
	rep, err := e.v.RunRetention(e.ctx, policy(custodian.Retention{Days: 7}), false)
	if err != nil || rep.Rescheduled != 1 || rep.Segments != 1 {
		t.Fatalf("shortened retention: %+v %v", rep, err)
	}
	if _, err := e.read(*a); err == nil {
		t.Fatal("footage past the new retention survived")
	}
}

func TestCreateRefusesFootagePastItsRetention(t *testing.T) {
	e := newEnv(t)
	e.clock.Set(day0.Add(40 * 24 * time.Hour))
	_, err := e.v.Create(e.ctx, "cam-1", day0, "standard", thirtyDays)
	if custodian.ErrorCode(err) != custodian.EINVALID || !strings.Contains(err.Error(), "retention period ended") {
		t.Fatalf("old footage: %v", err)
	}
}

func TestHoldKeepsExactlyTheHeldFootage(t *testing.T) {
	e := newEnv(t)
	var segs []*custodian.Segment
	for i := 0; i < 6; i++ {
		segs = append(segs, e.write("cam-1", day0.Add(time.Duration(i)*time.Minute), randomBytes(50000)))
	}
	// Hold minutes 2..3 (two segments).
	h, err := e.v.AddHold(e.ctx, "cam-1", day0.Add(2*time.Minute), day0.Add(4*time.Minute), "경찰 수사 협조 (수사기관 요청 제2026-123호)", custodian.Date{}, "tester")
	if err != nil {
		t.Fatal(err)
	}
	if h.Segments != 2 {
		t.Fatalf("hold covers %d segments, want 2", h.Segments)
	}
	e.clock.Set(time.Date(2026, 11, 1, 0, 0, 0, 0, custodian.KST))
	rep, err := e.v.RunRetention(e.ctx, policy(thirtyDays), false)
	if err != nil || rep.Segments != 4 {
		t.Fatalf("retention with a hold: %+v %v", rep, err)
	}
	for i, s := range segs {
		cur, err := e.db.Segment(e.ctx, s.ID)
		held := i == 2 || i == 3
		if held {
			if err != nil {
				t.Fatalf("held segment %d destroyed", i)
			}
			if _, err := e.read(*cur); err != nil {
				t.Fatalf("held segment %d unreadable: %v", i, err)
			}
		} else if err == nil {
			t.Fatalf("segment %d survived its retention", i)
		}
	}
	// Releasing the hold after the date destroys what it kept.
	d, err := e.v.ReleaseHold(e.ctx, h.ID, "tester")
	if err != nil || d == nil || d.Segments != 2 {
		t.Fatalf("release: %+v %v", d, err)
	}
	if _, err := e.db.Segment(e.ctx, segs[2].ID); err == nil {
		t.Fatal("released footage past its date survived")
	}
	if _, err := e.v.ReleaseHold(e.ctx, h.ID, "tester"); custodian.ErrorCode(err) != custodian.ECONFLICT {
		t.Fatalf("second release: %v", err)
	}
	if e.rec.count(vault.ActionHoldAdd) != 1 || e.rec.count(vault.ActionHoldRelease) != 1 {
		t.Fatal("hold operations not logged")
	}
	if rep, _ := e.v.Verify(e.ctx, vault.LevelHash, nil); len(rep.Problems) != 0 {
		t.Fatalf("verify: %+v", rep.Problems)
	}
}

func TestReleaseWithinRetentionMovesFootageBack(t *testing.T) {
	e := newEnv(t)
	s := e.write("cam-1", day0, randomBytes(70000))
	h, err := e.v.AddHold(e.ctx, "cam-1", day0, day0.Add(time.Hour), "분쟁 대응", custodian.Date{}, "tester")
	if err != nil {
		t.Fatal(err)
	}
	// A second, overlapping hold.
	h2, err := e.v.AddHold(e.ctx, "cam-1", day0.Add(-time.Hour), day0.Add(time.Minute), "두 번째 보존", custodian.Date{}, "tester")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.v.ReleaseHold(e.ctx, h.ID, "tester"); err != nil {
		t.Fatal(err)
	}
	cur, _ := e.db.Segment(e.ctx, s.ID)
	if cur.KeyID != h2.KeyID {
		t.Fatalf("after releasing the first hold the segment is under %s, want the second hold's key", cur.KeyID)
	}
	if _, err := e.v.ReleaseHold(e.ctx, h2.ID, "tester"); err != nil {
		t.Fatal(err)
	}
	cur, err = e.db.Segment(e.ctx, s.ID)
	if err != nil {
		t.Fatal("footage within its retention was destroyed at release")
	}
	pk, _ := e.db.PeriodKey(e.ctx, "cam-1", custodian.DateOf(day0))
	if cur.KeyID != pk.ID {
		t.Fatal("the segment is not back under its period key")
	}
	if got, err := e.read(*cur); err != nil || len(got) != 70000 {
		t.Fatalf("read after release: %v", err)
	}
}

func TestHoldUntilReleasesItself(t *testing.T) {
	e := newEnv(t)
	e.write("cam-1", day0, randomBytes(1000))
	until := custodian.DateOf(day0).AddDays(60)
	h, err := e.v.AddHold(e.ctx, "cam-1", day0, day0.Add(time.Hour), "소송 대비", until, "tester")
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Set(until.Time().Add(23 * time.Hour)) // the last day of the hold
	if rep, _ := e.v.RunRetention(e.ctx, policy(thirtyDays), false); len(rep.Released) != 0 {
		t.Fatal("released on its last day")
	}
	e.clock.Set(until.AddDays(1).Time())
	rep, err := e.v.RunRetention(e.ctx, policy(thirtyDays), false)
	if err != nil || len(rep.Released) != 1 || rep.Released[0] != h.ID || rep.Segments != 1 {
		t.Fatalf("after the hold's end: %+v %v", rep, err)
	}
}

func TestHoldBadInput(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		camera, reason string
		from, to       time.Time
		until          custodian.Date
	}{
		{"cam-1", "", day0, day0.Add(time.Hour), custodian.Date{}},
		{"cam-1", "x", day0, day0, custodian.Date{}},
		{"Bad Camera", "x", day0, day0.Add(time.Hour), custodian.Date{}},
		{"cam-1", "x", day0, day0.Add(time.Hour), custodian.DateOf(day0).AddDays(-1)},
	} {
		if _, err := e.v.AddHold(e.ctx, c.camera, c.from, c.to, c.reason, c.until, "t"); custodian.ErrorCode(err) != custodian.EINVALID {
			t.Errorf("%+v: %v", c, err)
		}
	}
	if hs, _ := e.v.Holds(e.ctx, true); len(hs) != 0 {
		t.Fatal("a refused hold was stored")
	}
}

func TestRotateMasterKey(t *testing.T) {
	e := newEnv(t)
	s := e.write("cam-1", day0, randomBytes(20000))
	before, _ := os.ReadFile(filepath.Join(e.data.Path, "vault", s.Path))
	oldID, newID, n, err := e.v.RotateMasterKey(e.ctx)
	if err != nil || n != 1 || oldID == newID {
		t.Fatalf("rotate: %s %s %d %v", oldID, newID, n, err)
	}
	after, _ := os.ReadFile(filepath.Join(e.data.Path, "vault", s.Path))
	if !bytes.Equal(before, after) {
		t.Fatal("rotation touched footage")
	}
	if _, err := os.Stat(e.data.File(datadir.MasterKeyFile + "." + oldID + ".retired")); err != nil {
		t.Fatal("the old key was not kept as retired")
	}
	if k, _ := e.data.MasterKey(); datadir.KeyID(k) != newID {
		t.Fatal("master.key is not the new key")
	}
	e.reopen()
	if _, err := e.read(*s); err != nil {
		t.Fatalf("read after rotation: %v", err)
	}
	// The retired key no longer opens the vault.
	retired, _ := os.ReadFile(e.data.File(datadir.MasterKeyFile + "." + oldID + ".retired"))
	cur, _ := os.ReadFile(e.data.File(datadir.MasterKeyFile))
	os.WriteFile(e.data.File(datadir.MasterKeyFile), retired, 0o600)
	if _, err := vault.Open(e.ctx, vault.Options{Data: e.data, Catalog: e.db, Audit: e.rec}); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Fatalf("retired key accepted: %v", err)
	}
	os.WriteFile(e.data.File(datadir.MasterKeyFile), cur, 0o600)
}

func TestInterruptedRotation(t *testing.T) {
	e := newEnv(t)
	s := e.write("cam-1", day0, randomBytes(2000))
	// A crash after writing the new key file, before the catalog committed: the rotation is
	// undone at the next open.
	k := make([]byte, 32)
	rand.Read(k)
	os.WriteFile(e.data.File(datadir.MasterKeyFile+".new"), []byte(datadir.EncodeMasterKey(k)), 0o600)
	e.reopen()
	if _, err := os.Stat(e.data.File(datadir.MasterKeyFile + ".new")); !os.IsNotExist(err) {
		t.Fatal("the uncommitted new key was not removed")
	}
	if _, err := e.read(*s); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyFindsMissingAndOrphanFiles(t *testing.T) {
	e := newEnv(t)
	a := e.write("cam-1", day0, randomBytes(3000))
	e.write("cam-2", day0, randomBytes(3000))
	var progressed int64
	rep, err := e.v.Verify(e.ctx, vault.LevelHash, func(done, total int64) { progressed = done })
	if err != nil || len(rep.Problems) != 0 || rep.Segments != 2 || progressed != rep.Bytes {
		t.Fatalf("clean vault: %+v %v (progress %d)", rep, err, progressed)
	}
	os.Remove(filepath.Join(e.data.Path, "vault", a.Path))
	os.WriteFile(filepath.Join(e.data.Path, "vault", "cam-2", "stray.seg"), []byte("x"), 0o600)
	rep, _ = e.v.Verify(e.ctx, vault.LevelPresence, nil)
	if len(rep.Problems) != 2 || !strings.Contains(rep.Problems[0].En, "missing") || !strings.Contains(rep.Problems[1].En, "no segment") {
		t.Fatalf("problems: %+v", rep.Problems)
	}
	if _, err := e.v.Verify(e.ctx, "deep", nil); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Fatal("bad level accepted")
	}
}

func TestGaps(t *testing.T) {
	e := newEnv(t)
	e.write("cam-1", day0, randomBytes(10))
	e.write("cam-1", day0.Add(time.Minute), randomBytes(10))
	e.write("cam-1", day0.Add(5*time.Minute), randomBytes(10))
	gaps, err := e.v.Gaps(e.ctx, "cam-1", day0, day0.Add(10*time.Minute), time.Second)
	if err != nil || len(gaps) != 2 || !gaps[0].From.Equal(day0.Add(2*time.Minute)) || !gaps[1].To.Equal(day0.Add(10*time.Minute)) {
		t.Fatalf("gaps: %v %v", gaps, err)
	}
}

func TestConcurrentWriters(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	for c := 0; c < 4; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				start := day0.Add(time.Duration(i) * time.Minute)
				w, err := e.v.Create(e.ctx, "cam-"+string(rune('a'+c)), start, "standard", thirtyDays)
				if err != nil {
					t.Error(err)
					return
				}
				w.Write(randomBytes(10000))
				if _, err := w.Commit(e.ctx, start.Add(time.Minute)); err != nil {
					t.Error(err)
				}
			}
		}(c)
	}
	wg.Wait()
	rep, _ := e.v.Verify(e.ctx, vault.LevelHash, nil)
	if rep.Segments != 40 || len(rep.Problems) != 0 {
		t.Fatalf("after concurrent writes: %d segments, %+v", rep.Segments, rep.Problems)
	}
}
