// Package auditlog is Custodian's access log (접근 기록): an append-only, hash-chained,
// tamper-evident record of who viewed, exported, created or destroyed footage, when and
// for what purpose, as PIPA Article 25 and the seed policies require ("for each viewing,
// the purpose, the viewer and the time", "protected against tampering", kept at least two
// years).
//
// Records live in one file per KST calendar month (DIR/YYYY-MM.log); each record carries
// SHA-256(hash of the record before ‖ its canonical bytes), so that changing, removing or
// reordering any record breaks the chain. Ed25519-signed checkpoints (DIR/checkpoints.log)
// pin the chain every CheckpointEvery records, every CheckpointInterval and at every month
// boundary; a checkpoint exported and kept elsewhere detects a log cut short or rewritten
// whole. Appends from many goroutines are group committed (one write and one fsync per
// batch); several processes may append to one directory (an flock on DIR/.lock serialises
// their batches). See docs/design/auditlog.md.
package auditlog

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"custodian"
)

// Event is one record of the log.
type Event struct {
	Seq     uint64    // set by Append: 1, 2, 3, ... without gaps
	Time    time.Time // set by Append when zero
	Actor   string    // the account, or "system:retention", "cli:<user>"
	Source  string    // the remote address, or "cli"
	Action  string    // one of the Action constants (or another dotted lower-case name)
	Camera  string    // the camera, when the action is about footage
	From    time.Time // the period of footage, when the action is about footage
	To      time.Time
	Object  string // a segment ID, hold ID, file name, ...
	Purpose string // the stated purpose (열람 목적)
	Result  string // ResultOK (the default), ResultDenied or ResultError
	Detail  string // free text, e.g. "sha256=… size=…"
	Prev    [32]byte
	Hash    [32]byte // SHA-256(Prev ‖ EncodeRecord(event)); set by Append
}

// Actions.
const (
	ActionSegmentCreate    = "segment.create"
	ActionSegmentDiscard   = "segment.discard"
	ActionSegmentMove      = "segment.move"
	ActionRetentionDestroy = "retention.destroy"
	ActionLive             = "footage.live"
	ActionPlayback         = "footage.playback"
	ActionExport           = "footage.export"
	ActionDownload         = "footage.download"
	ActionDelete           = "footage.delete"
	ActionHoldAdd          = "hold.add"
	ActionHoldRelease      = "hold.release"
	ActionKeyRotate        = "keys.rotate"
	ActionVerify           = "vault.verify"
	ActionLogRepair        = "log.repair" // Open cut a torn tail
	ActionLogPrune         = "log.prune"  // Prune removed months older than the retention
)

// Results.
const (
	ResultOK     = "ok"
	ResultDenied = "denied"
	ResultError  = "error"
)

// SystemActor is the actor of the records the log writes about itself.
const SystemActor = "system:auditlog"

// MinRetention is the least time records are kept: two years (PIPA guidance for access
// records of footage). Options.Retention may only be longer.
const MinRetention = 730 * 24 * time.Hour

// Options configure a Log. The zero value is the defaults.
type Options struct {
	CheckpointEvery    int           // records between checkpoints; default 1000
	CheckpointInterval time.Duration // time between checkpoints, checked as records arrive; default 5m
	Retention          time.Duration // default and minimum MinRetention
	Now                func() time.Time
}

func (o Options) withDefaults() (Options, error) {
	if o.CheckpointEvery < 0 || o.CheckpointInterval < 0 {
		return o, custodian.Errorf(custodian.EINVALID, "체크포인트 간격은 음수일 수 없습니다", "checkpoint intervals cannot be negative")
	}
	if o.CheckpointEvery == 0 {
		o.CheckpointEvery = 1000
	}
	if o.CheckpointInterval == 0 {
		o.CheckpointInterval = 5 * time.Minute
	}
	if o.Retention == 0 {
		o.Retention = MinRetention
	}
	if o.Retention < MinRetention {
		return o, custodian.Errorf(custodian.EINVALID,
			"접근 기록 보관 기간은 최소 %d일입니다 (%s가 주어짐)", "the access log must be kept at least %d days (got %s)",
			int(MinRetention/(24*time.Hour)), o.Retention)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o, nil
}

// File names in a log directory besides the month files.
const (
	lockFile = ".lock"
	tmpExt   = ".tmp"
)

// maxFuture is how far ahead of the log's clock a caller-given event time may be.
const maxFuture = time.Minute

// flushAt bounds the bytes of one write.
const flushAt = 8 << 20

// Stats counts what a Log has written.
type Stats struct {
	Batches     uint64 // writes with one fsync each
	Records     uint64
	Checkpoints uint64
}

// Log is an open access log. Its methods are safe for concurrent use.
type Log struct {
	dir string
	key ed25519.PrivateKey
	pub ed25519.PublicKey
	opt Options

	mu      sync.Mutex // guards pending, spare, closed
	cond    *sync.Cond
	pending []*request
	spare   []*request
	closed  bool
	want    int           // the writer is waiting for this many pending requests
	full    chan struct{} // tells the waiting writer that they are there
	exited  chan struct{}

	others          int           // requests pending when the last batch was answered
	avgBatch, delay time.Duration // the writer's: a batch's time, the wait before the next

	wmu sync.Mutex // serialises batches, checkpoints and prunes; guards w
	w   wstate

	batchHook func(n int) // tests: the size of each batch written
}

// wstate is the writer's view of the log's tail.
type wstate struct {
	lockf  *os.File
	cur    *os.File // the newest month file
	month  month    // its month; 0 for an empty log
	size   int64    // its size as this process knows it
	seq    uint64   // the last record
	hash   [32]byte
	cp     Checkpoint // the newest checkpoint known
	haveCP bool
	cpBase time.Time // when the interval to the next checkpoint began
	cpSize int64     // the size of checkpoints.log when it was read or written last
	stale  bool      // re-read the tail from disk before writing
	closed bool
	buf    []byte
	ch     *chainHasher
	rbuf   []byte
	stats  Stats
}

type request struct {
	e    Event
	err  error
	done chan struct{} // nil for the log's own records
}

var errClosed = custodian.Errorf(custodian.EINTERNAL, "접근 기록이 닫혔습니다", "the access log is closed")

// Open opens the log in dir, creating the directory (0700) if it does not exist. It cuts a
// torn tail left by a crash (an incomplete last record, whose Append never returned) and
// records the repair; anything else wrong is left for Verify to report.
func Open(dir string, key ed25519.PrivateKey, opt Options) (*Log, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, custodian.Errorf(custodian.EINVALID, "서명 키가 Ed25519 개인 키가 아닙니다", "the signing key is not an Ed25519 private key")
	}
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := checkDir(dir, true); err != nil {
		return nil, err
	}
	lf, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, custodian.Errorf(custodian.EINTERNAL, "접근 기록 잠금 파일을 열 수 없습니다: %v", "cannot open the access log's lock file: %v", err)
	}
	l := &Log{dir: dir, key: key, pub: key.Public().(ed25519.PublicKey), opt: opt, exited: make(chan struct{}), full: make(chan struct{}, 1)}
	l.cond = sync.NewCond(&l.mu)
	l.w.lockf = lf
	l.w.ch = newChainHasher()
	if err := flock(lf, true); err != nil {
		lf.Close()
		return nil, custodian.Errorf(custodian.EINTERNAL, "접근 기록을 잠글 수 없습니다: %v", "cannot lock the access log: %v", err)
	}
	removeTemps(dir)
	repairs, err := l.reload()
	if err == nil && len(repairs) > 0 {
		l.appendLocked(repairs)
		for _, r := range repairs {
			if r.err != nil {
				err = r.err
				break
			}
		}
	}
	funlock(lf)
	if err != nil {
		l.closeFiles()
		return nil, err
	}
	go l.loop()
	return l, nil
}

// Dir returns the log's directory.
func (l *Log) Dir() string { return l.dir }

// PublicKey returns the key that verifies the log's checkpoints.
func (l *Log) PublicKey() ed25519.PublicKey { return l.pub }

// Stats returns what this Log has written so far.
func (l *Log) Stats() Stats {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	return l.w.stats
}

// Append records e and returns it as stored (with Seq, Time, Prev and Hash). The record is
// durable (written and fsync'd) when Append returns without error. If ctx ends first,
// Append returns its error, and the record may still be written.
func (l *Log) Append(ctx context.Context, e Event) (Event, error) {
	if err := ctx.Err(); err != nil {
		return Event{}, err
	}
	if err := prepare(&e); err != nil {
		return Event{}, err
	}
	done := make(chan struct{})
	r := &request{e: e, done: done}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return Event{}, errClosed
	}
	l.pending = append(l.pending, r)
	l.cond.Signal()
	if l.want > 0 && len(l.pending) >= l.want {
		l.want = 0
		select {
		case l.full <- struct{}{}:
		default:
		}
	}
	l.mu.Unlock()
	select {
	case <-done:
		if r.err != nil {
			return Event{}, r.err
		}
		return r.e, nil
	case <-ctx.Done():
		return Event{}, ctx.Err()
	}
}

var actionOK = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	t['.'], t['_'], t['-'] = true, true, true
	return
}()

// prepare checks and normalises an event before it is queued.
func prepare(e *Event) error {
	e.Seq, e.Prev, e.Hash = 0, [32]byte{}, [32]byte{}
	if e.Result == "" {
		e.Result = ResultOK
	}
	for i, p := range []*string{&e.Actor, &e.Source, &e.Action, &e.Camera, &e.Object, &e.Purpose, &e.Result, &e.Detail} {
		if !utf8.ValidString(*p) {
			*p = strings.ToValidUTF8(*p, "\uFFFD")
		}
		limit := MaxField
		if i == fDetail {
			limit = MaxDetail
		}
		if len(*p) > limit {
			return custodian.Errorf(custodian.EINVALID, "접근 기록의 %s 항목이 너무 깁니다 (%d바이트, 최대 %d)",
				"the %s of an access log event is too long (%d bytes, at most %d)", fieldNames[i], len(*p), limit)
		}
	}
	if e.Actor == "" {
		return custodian.Errorf(custodian.EINVALID, "접근 기록에는 행위자가 필요합니다", "an access log event needs an actor")
	}
	if e.Action == "" || len(e.Action) > 64 {
		return custodian.Errorf(custodian.EINVALID, "접근 기록의 행위 %q가 올바르지 않습니다", "invalid access log action %q", e.Action)
	}
	for i := 0; i < len(e.Action); i++ {
		if !actionOK[e.Action[i]] {
			return custodian.Errorf(custodian.EINVALID, "접근 기록의 행위 %q가 올바르지 않습니다 (영문 소문자, 숫자, '.', '_', '-')",
				"invalid access log action %q (lower-case letters, digits, '.', '_', '-')", e.Action)
		}
	}
	switch e.Result {
	case ResultOK, ResultDenied, ResultError:
	default:
		return custodian.Errorf(custodian.EINVALID, "접근 기록의 결과는 ok, denied, error 중 하나여야 합니다 (%q)",
			"an access log result must be ok, denied or error (%q)", e.Result)
	}
	for _, t := range []*time.Time{&e.Time, &e.From, &e.To} {
		if !timeInRange(*t) {
			return custodian.Errorf(custodian.EINVALID, "접근 기록의 시각 %s를 기록할 수 없습니다", "cannot record the time %s", *t)
		}
		*t = fromUnixNano(unixNano(*t))
	}
	if !e.From.IsZero() && !e.To.IsZero() && e.To.Before(e.From) {
		return custodian.Errorf(custodian.EINVALID, "접근 기록의 기간이 거꾸로입니다 (%s ~ %s)", "the period of an access log event ends before it starts (%s to %s)",
			e.From.Format(time.RFC3339), e.To.Format(time.RFC3339))
	}
	return nil
}

var fieldNames = [numFields]string{"actor", "source", "action", "camera", "object", "purpose", "result", "detail"}

// loop is the writer: it takes what is pending and writes it as one batch.
//
// After a batch of several records the writer waits a moment (at most a quarter of a
// recent batch's time, and only until as many requests are pending as it has just
// answered plus those that were pending then): the goroutines it has just answered usually append
// again at once, and without the wait they would miss the next batch by microseconds and
// the appenders would split into two cohorts, each fsync covering only half of them.
func (l *Log) loop() {
	defer close(l.exited)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	last := 0
	for {
		l.mu.Lock()
		for len(l.pending) == 0 && !l.closed {
			l.cond.Wait()
		}
		if len(l.pending) == 0 {
			l.mu.Unlock()
			return
		}
		if want := last + l.others; last > 1 && !l.closed && l.delay > 0 && len(l.pending) < want {
			l.want = want
			l.mu.Unlock()
			timer.Reset(l.delay)
			select {
			case <-l.full:
			case <-timer.C:
			}
			timer.Stop()
			l.mu.Lock()
			l.want = 0
		}
		batch := l.pending
		l.pending, l.spare = l.spare, nil
		l.mu.Unlock()

		start := time.Now()
		l.wmu.Lock()
		l.writeBatch(batch)
		l.wmu.Unlock()
		// The wait: a quarter of the moving average of a batch's time, at most 1 ms.
		d := time.Since(start)
		l.avgBatch += (d - l.avgBatch) / 8
		l.delay = min(l.avgBatch/4, time.Millisecond)
		last = len(batch)

		clear(batch)
		l.mu.Lock()
		l.spare = batch[:0]
		l.mu.Unlock()
	}
}

func finish(rs []*request, err error) {
	for _, r := range rs {
		if r.err == nil {
			r.err = err
		}
		if r.done != nil {
			close(r.done)
			r.done = nil
		}
	}
}

func (l *Log) writeBatch(reqs []*request) {
	if err := flock(l.w.lockf, true); err != nil {
		finish(reqs, custodian.Errorf(custodian.EINTERNAL, "접근 기록을 잠글 수 없습니다: %v", "cannot lock the access log: %v", err))
		return
	}
	defer funlock(l.w.lockf)
	repairs, err := l.syncTail()
	if err != nil {
		finish(reqs, err)
		return
	}
	if len(repairs) > 0 {
		reqs = append(repairs, reqs...)
	}
	l.appendLocked(reqs)
	l.maybeCheckpoint()
}

// appendLocked writes reqs (with the lock held and the tail in sync) and finishes each.
func (l *Log) appendLocked(reqs []*request) {
	w := &l.w
	buf := w.buf[:0]
	var pend []*request
	seq0, hash0 := w.seq, w.hash
	flush := func() error {
		err := l.flush(buf, pend, seq0, hash0)
		buf, pend = buf[:0], pend[:0]
		seq0, hash0 = w.seq, w.hash
		return err
	}
	for i, r := range reqs {
		if r.err != nil {
			finish([]*request{r}, nil)
			continue
		}
		t := r.e.Time
		given := !t.IsZero()
		now := l.opt.Now()
		if !given {
			t = now
		}
		m := monthOf(t)
		switch {
		case given && t.After(now.Add(maxFuture)):
			r.err = custodian.Errorf(custodian.EINVALID, "접근 기록의 시각 %s가 현재(%s)보다 뒤입니다", "the event time %s is later than now (%s)",
				t.Format(time.RFC3339), now.In(custodian.KST).Format(time.RFC3339))
		case w.month != 0 && m < w.month && given:
			r.err = custodian.Errorf(custodian.EINVALID, "접근 기록은 %s 파일에 쓰는 중이라 그 이전 달의 시각 %s를 기록할 수 없습니다",
				"the access log is writing %s; it cannot take the earlier time %s", w.month, t.Format(time.RFC3339))
		case w.month != 0 && m < w.month:
			// The clock stepped back across a month boundary: the record stays in the
			// month being written, at its first instant.
			t, m = w.month.start(), w.month
		}
		if r.err != nil {
			finish([]*request{r}, nil)
			continue
		}
		if w.month == 0 || m > w.month || len(buf) > flushAt {
			if err := flush(); err != nil {
				finish(reqs[i:], err)
				break
			}
			if w.month == 0 || m > w.month {
				if err := l.rollover(m); err != nil {
					finish(reqs[i:], err)
					break
				}
			}
		}
		r.e.Time = fromUnixNano(t.UnixNano())
		r.e.Seq = w.seq + 1
		r.e.Prev = w.hash
		buf, r.e.Hash = appendFrame(buf, &r.e, &w.hash, w.ch)
		w.seq, w.hash = r.e.Seq, r.e.Hash
		pend = append(pend, r)
	}
	flush()
	w.buf = buf[:0]
}

// flush writes buf (the frames of pend) at the end of the current file and fsyncs it. On
// an error it puts the file and the state back as they were and fails pend.
func (l *Log) flush(buf []byte, pend []*request, seq0 uint64, hash0 [32]byte) error {
	if len(buf) == 0 {
		return nil
	}
	w := &l.w
	_, err := w.cur.WriteAt(buf, w.size)
	if err == nil {
		err = datasync(w.cur)
	}
	if err != nil {
		if w.cur.Truncate(w.size) != nil || datasync(w.cur) != nil {
			w.stale = true
		}
		w.seq, w.hash = seq0, hash0
		err = custodian.Errorf(custodian.EINTERNAL, "접근 기록을 쓸 수 없습니다: %v", "cannot write the access log: %v", err)
		finish(pend, err)
		return err
	}
	w.size += int64(len(buf))
	w.stats.Batches++
	w.stats.Records += uint64(len(pend))
	if l.batchHook != nil {
		l.batchHook(len(pend))
	}
	l.mu.Lock()
	l.others = len(l.pending)
	l.mu.Unlock()
	finish(pend, nil)
	return nil
}

// rollover starts the file of month m: a checkpoint at the last record of the month before
// (if it has none), then the new file, whose header carries that record's seq and hash.
func (l *Log) rollover(m month) error {
	w := &l.w
	if w.cur != nil && w.seq > 0 && !(w.haveCP && w.cp.Seq == w.seq && w.cp.Hash == w.hash) {
		if err := l.writeCheckpoint(); err != nil {
			return err
		}
	}
	if err := l.writeHint(m); err != nil {
		return err
	}
	name := filepath.Join(l.dir, m.fileName())
	if _, err := os.Lstat(name); err == nil {
		return custodian.Errorf(custodian.EINTERNAL, "접근 기록 파일 %s가 이미 있습니다", "the access log file %s exists already", name)
	}
	tmp := name + tmpExt
	hdr := header{Month: m, FirstSeq: w.seq + 1, Prev: w.hash}
	if err := writeFileSync(tmp, hdr.encode()); err != nil {
		return err
	}
	if err := os.Rename(tmp, name); err != nil {
		os.Remove(tmp)
		return custodian.Errorf(custodian.EINTERNAL, "접근 기록 파일을 만들 수 없습니다: %v", "cannot create the access log file: %v", err)
	}
	if err := syncDir(l.dir); err != nil {
		return err
	}
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return custodian.Errorf(custodian.EINTERNAL, "접근 기록 파일을 열 수 없습니다: %v", "cannot open the access log file: %v", err)
	}
	if w.cur != nil {
		w.cur.Close()
	}
	w.cur, w.month, w.size = f, m, headerSize
	return nil
}

func writeFileSync(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err == nil {
		_, err = f.Write(data)
		if err == nil {
			err = datasync(f)
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		os.Remove(name)
		return custodian.Errorf(custodian.EINTERNAL, "%s를 쓸 수 없습니다: %v", "cannot write %s: %v", name, err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return custodian.Errorf(custodian.EINTERNAL, "디렉터리 %s를 동기화할 수 없습니다: %v", "cannot sync the directory %s: %v", dir, err)
	}
	return nil
}

func (l *Log) maybeCheckpoint() {
	w := &l.w
	if w.seq == 0 || (w.haveCP && w.cp.Seq == w.seq && w.cp.Hash == w.hash) {
		return
	}
	// A checkpoint beyond the tail (the log was cut short) makes one due at once.
	if w.cp.Seq > w.seq || w.seq-w.cp.Seq >= uint64(l.opt.CheckpointEvery) || !l.opt.Now().Before(w.cpBase.Add(l.opt.CheckpointInterval)) {
		// An error leaves the checkpoint due; the next batch tries again.
		l.writeCheckpoint()
	}
}

// writeCheckpoint signs the current tail and appends it to checkpoints.log (fsync'd). The
// records it covers are durable already.
func (l *Log) writeCheckpoint() error { return l.writeCheckpointAt(l.w.seq, l.w.hash) }

// writeCheckpointAt signs (seq, hash), a record that is durable already.
func (l *Log) writeCheckpointAt(seq uint64, hash [32]byte) error {
	w := &l.w
	cp := signCheckpoint(l.key, seq, hash, l.opt.Now())
	path := filepath.Join(l.dir, CheckpointsFile)
	created := false
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		created = true
	}
	if err == nil {
		defer f.Close()
		var size int64
		size, err = cutTornLine(f)
		if err == nil && size != w.cpSize {
			w.cpSize = -1 // another process wrote checkpoints: read them next time
		}
		if err == nil {
			_, err = f.WriteAt([]byte(cp.String()+"\n"), size)
		}
		if err == nil {
			err = datasync(f)
		}
		if err == nil && created {
			err = syncDir(l.dir)
		}
	}
	if err != nil {
		return custodian.Errorf(custodian.EINTERNAL, "체크포인트를 쓸 수 없습니다: %v", "cannot write a checkpoint: %v", err)
	}
	if seq == w.seq {
		w.cp, w.haveCP, w.cpBase = cp, true, cp.Time
	}
	if w.cpSize >= 0 {
		w.cpSize += int64(len(cp.String()) + 1)
	}
	w.stats.Checkpoints++
	return nil
}

// cutTornLine removes a last line without a newline from f and returns f's size after.
func cutTornLine(f *os.File) (int64, error) {
	size, keep, err := lineEnd(f)
	if err != nil || keep == size {
		return keep, err
	}
	return keep, f.Truncate(keep)
}

// lineEnd returns f's size and the end of its last complete line.
func lineEnd(f *os.File) (size, keep int64, err error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, 0, err
	}
	size = fi.Size()
	b := make([]byte, 4096)
	for end := size; end > 0; {
		n := min(int64(len(b)), end)
		if _, err := f.ReadAt(b[:n], end-n); err != nil {
			return 0, 0, err
		}
		if end == size && b[n-1] == '\n' {
			return size, size, nil
		}
		if i := bytes.LastIndexByte(b[:n], '\n'); i >= 0 {
			return size, end - n + int64(i) + 1, nil
		}
		end -= n
	}
	return size, 0, nil
}

// Checkpoint signs the log's tail now and stores the checkpoint. Its text form is what an
// operator keeps elsewhere to detect later truncation or rewriting (VerifyOptions.Against).
func (l *Log) Checkpoint(ctx context.Context) (Checkpoint, error) {
	if err := ctx.Err(); err != nil {
		return Checkpoint{}, err
	}
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if l.w.closed {
		return Checkpoint{}, errClosed
	}
	if err := flock(l.w.lockf, true); err != nil {
		return Checkpoint{}, err
	}
	defer funlock(l.w.lockf)
	repairs, err := l.syncTail()
	if err != nil {
		return Checkpoint{}, err
	}
	if len(repairs) > 0 {
		l.appendLocked(repairs)
	}
	if err := l.writeCheckpoint(); err != nil {
		return Checkpoint{}, err
	}
	return l.w.cp, nil
}

// Close writes what is pending, then a final checkpoint if records were written since the
// last one, and closes the files.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		<-l.exited
		return nil
	}
	l.closed = true
	l.cond.Broadcast()
	l.mu.Unlock()
	<-l.exited

	l.wmu.Lock()
	defer l.wmu.Unlock()
	err := flock(l.w.lockf, true)
	if err == nil {
		var repairs []*request
		repairs, err = l.syncTail()
		if len(repairs) > 0 {
			l.appendLocked(repairs)
		}
		w := &l.w
		if err == nil && w.seq > 0 && !(w.haveCP && w.cp.Seq == w.seq && w.cp.Hash == w.hash) {
			err = l.writeCheckpoint()
		}
		funlock(l.w.lockf)
	}
	l.w.closed = true
	l.closeFiles()
	return err
}

func (l *Log) closeFiles() {
	if l.w.cur != nil {
		l.w.cur.Close()
		l.w.cur = nil
	}
	if l.w.lockf != nil {
		l.w.lockf.Close()
	}
}

// The lock file also holds a hint: the month of the newest file ("YYYY-MM\n"), written
// before a new month file is created, so that another process notices the new file.
func (l *Log) readHint() month {
	b := make([]byte, 8)
	n, _ := l.w.lockf.ReadAt(b, 0)
	m, _ := parseMonth(string(b[:max(n-1, 0)]))
	return m
}

func (l *Log) writeHint(m month) error {
	s := "0000-00\n"
	if m != 0 {
		s = m.String() + "\n"
	}
	if _, err := l.w.lockf.WriteAt([]byte(s), 0); err != nil {
		return custodian.Errorf(custodian.EINTERNAL, "접근 기록 잠금 파일을 쓸 수 없습니다: %v", "cannot write the access log's lock file: %v", err)
	}
	return nil
}

// syncTail brings the writer's view of the tail up to date after taking the lock: another
// process may have appended, started a new month or crashed mid-write. It returns the
// repair records to write first.
func (l *Log) syncTail() ([]*request, error) {
	w := &l.w
	if w.stale || l.readHint() != w.month {
		return l.reload()
	}
	if w.cur == nil {
		return nil, nil
	}
	fi, err := w.cur.Stat()
	if err != nil {
		return nil, err
	}
	// The file must still be the one under its name: records written to a file that was
	// removed or replaced would be lost.
	if pfi, err := os.Stat(filepath.Join(l.dir, w.month.fileName())); err != nil || !os.SameFile(fi, pfi) {
		return l.reload()
	}
	switch {
	case fi.Size() == w.size:
		return nil, nil
	case fi.Size() < w.size:
		return l.reload()
	}
	// Another process appended: follow its frames.
	last, cut, err := scanTail(w.cur, w.size, fi.Size(), l.readBuf())
	if err != nil {
		return nil, err
	}
	if last.ok {
		w.seq, w.hash = last.seq, last.hash
	}
	var repairs []*request
	if cut < fi.Size() {
		r, err := l.cutTail(w.cur, w.month.fileName(), cut, fi.Size())
		if err != nil {
			return nil, err
		}
		repairs = append(repairs, r)
	}
	w.size = cut
	cps, err := l.readCheckpointTail()
	if err != nil {
		return nil, err
	}
	return append(repairs, cps...), nil
}

func (l *Log) readBuf() []byte {
	if l.w.rbuf == nil {
		l.w.rbuf = make([]byte, windowSize)
	}
	return l.w.rbuf
}

type tailInfo struct {
	ok   bool
	seq  uint64
	hash [32]byte
}

// scanTail walks the frames of f in [off, size): the last intact frame, and where the
// bytes after it begin (size when the file ends with an intact frame).
func scanTail(f *os.File, off, size int64, buf []byte) (tailInfo, int64, error) {
	var last tailInfo
	cut := off
	r := newFileReader(f, off, size, buf)
	var it item
	for r.next(&it) {
		if it.kind == kindFrame {
			last.ok = true
			last.seq = uint64(it.body[1])<<56 | uint64(it.body[2])<<48 | uint64(it.body[3])<<40 | uint64(it.body[4])<<32 |
				uint64(it.body[5])<<24 | uint64(it.body[6])<<16 | uint64(it.body[7])<<8 | uint64(it.body[8])
			last.hash = it.hash
			cut = it.off + it.n
		}
	}
	if r.err != nil {
		return last, 0, custodian.Errorf(custodian.EINTERNAL, "접근 기록을 읽을 수 없습니다: %v", "cannot read the access log: %v", r.err)
	}
	return last, cut, nil
}

// cutTail truncates a torn tail [cut, size) of f and returns the record of the repair.
func (l *Log) cutTail(f *os.File, name string, cut, size int64) (*request, error) {
	tail := make([]byte, size-cut)
	if _, err := f.ReadAt(tail, cut); err != nil && err != io.EOF {
		return nil, custodian.Errorf(custodian.EINTERNAL, "접근 기록을 읽을 수 없습니다: %v", "cannot read the access log: %v", err)
	}
	if err := f.Truncate(cut); err != nil {
		return nil, custodian.Errorf(custodian.EINTERNAL, "접근 기록의 끝을 잘라낼 수 없습니다: %v", "cannot cut the access log's torn tail: %v", err)
	}
	if err := datasync(f); err != nil {
		return nil, custodian.Errorf(custodian.EINTERNAL, "접근 기록을 동기화할 수 없습니다: %v", "cannot sync the access log: %v", err)
	}
	return repairRequest(name, cut, tail), nil
}

func repairRequest(name string, off int64, cut []byte) *request {
	sum := sha256.Sum256(cut)
	sample := cut
	if len(sample) > 2048 {
		sample = sample[:2048]
	}
	return &request{e: Event{
		Actor:  SystemActor,
		Action: ActionLogRepair,
		Object: name,
		Result: ResultOK,
		Detail: fmt.Sprintf("cut an incomplete write: %d bytes at offset %d (sha256=%s); first %d bytes base64=%s",
			len(cut), off, hex.EncodeToString(sum[:]), len(sample), base64.StdEncoding.EncodeToString(sample)),
	}}
}

// reload reads the tail from disk: the newest month file (cutting a torn tail), the
// newest checkpoint (cutting a torn last line).
func (l *Log) reload() ([]*request, error) {
	w := &l.w
	if w.cur != nil {
		w.cur.Close()
		w.cur = nil
	}
	w.month, w.size, w.seq, w.hash, w.stale = 0, 0, 0, [32]byte{}, false
	months, err := listMonths(l.dir)
	if err != nil {
		return nil, err
	}
	var repairs []*request
	if len(months) > 0 {
		newest := months[len(months)-1]
		name := filepath.Join(l.dir, newest.fileName())
		f, err := os.OpenFile(name, os.O_RDWR, 0)
		if err != nil {
			return nil, custodian.Errorf(custodian.EINTERNAL, "접근 기록 파일을 열 수 없습니다: %v", "cannot open the access log file: %v", err)
		}
		hdr, herr, size, err := readHeader(f)
		if err == nil && size < headerSize {
			err = custodian.Errorf(custodian.EINTERNAL, "가장 최근 접근 기록 파일 %s가 손상되었습니다 (머리글보다 짧음); 'custodian audit verify'로 확인하십시오",
				"the newest access log file %s is damaged (shorter than its header); see 'custodian audit verify'", name)
		}
		if err == nil && errors.Is(herr, errMagic) && len(months) == 1 {
			if _, serr := os.Stat(filepath.Join(l.dir, CheckpointsFile)); serr != nil {
				err = notALog(l.dir, newest.fileName())
			}
		}
		if err != nil {
			f.Close()
			return nil, err
		}
		last, cut, err := scanTail(f, headerSize, size, l.readBuf())
		if err != nil {
			f.Close()
			return nil, err
		}
		if cut < size {
			r, err := l.cutTail(f, newest.fileName(), cut, size)
			if err != nil {
				f.Close()
				return nil, err
			}
			repairs = append(repairs, r)
		}
		w.cur, w.month, w.size = f, newest, cut
		switch {
		case last.ok:
			w.seq, w.hash = last.seq, last.hash
		case herr == nil:
			w.seq, w.hash = hdr.FirstSeq-1, hdr.Prev
		default:
			// The newest file has a damaged header and no record: chain from the file
			// before (Verify reports the damage).
			for i := len(months) - 2; i >= 0; i-- {
				if t, ok := l.fileTail(months[i]); ok {
					w.seq, w.hash = t.seq, t.hash
					break
				}
			}
		}
	}
	if err := l.writeHint(w.month); err != nil {
		return nil, err
	}
	w.cpSize = -1
	cps, err := l.readCheckpointTail()
	if err != nil {
		return nil, err
	}
	return append(repairs, cps...), nil
}

// fileTail returns the last record of an older month file (read only).
func (l *Log) fileTail(m month) (tailInfo, bool) {
	f, err := os.Open(filepath.Join(l.dir, m.fileName()))
	if err != nil {
		return tailInfo{}, false
	}
	defer f.Close()
	hdr, herr, size, err := readHeader(f)
	if err != nil {
		return tailInfo{}, false
	}
	last, _, err := scanTail(f, headerSize, size, l.readBuf())
	switch {
	case err != nil:
		return tailInfo{}, false
	case last.ok:
		return last, true
	case herr == nil:
		return tailInfo{ok: true, seq: hdr.FirstSeq - 1, hash: hdr.Prev}, true
	}
	return tailInfo{}, false
}

func readHeader(f *os.File) (header, error, int64, error) {
	fi, err := f.Stat()
	if err != nil {
		return header{}, nil, 0, err
	}
	b := make([]byte, headerSize)
	n, err := f.ReadAt(b, 0)
	if err != nil && err != io.EOF {
		return header{}, nil, 0, err
	}
	h, herr := parseHeader(b[:n])
	return h, herr, fi.Size(), nil
}

// readCheckpointTail cuts a torn last line of checkpoints.log (returning the repair
// record) and loads the newest checkpoint whose signature is this log's. It reads the file
// only when its size differs from what was read last.
func (l *Log) readCheckpointTail() ([]*request, error) {
	w := &l.w
	path := filepath.Join(l.dir, CheckpointsFile)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		w.haveCP, w.cp, w.cpSize = false, Checkpoint{}, 0
		w.cpBase = l.opt.Now()
		return nil, nil
	}
	if err != nil {
		return nil, custodian.Errorf(custodian.EINTERNAL, "체크포인트 파일을 열 수 없습니다: %v", "cannot open the checkpoints file: %v", err)
	}
	defer f.Close()
	size, keep, err := lineEnd(f)
	if err != nil {
		return nil, err
	}
	if size == w.cpSize && w.cpSize > 0 {
		return nil, nil
	}
	var repairs []*request
	if keep < size {
		tail := make([]byte, size-keep)
		if _, err := f.ReadAt(tail, keep); err != nil && err != io.EOF {
			return nil, err
		}
		if err := f.Truncate(keep); err != nil {
			return nil, err
		}
		if err := datasync(f); err != nil {
			return nil, err
		}
		repairs = append(repairs, repairRequest(CheckpointsFile, keep, tail))
	}
	w.cpSize = keep
	// The newest valid checkpoint is the last line that verifies: look at the last 16 KiB
	// first, then the whole file.
	w.haveCP, w.cp = false, Checkpoint{}
	for _, n := range []int64{16 << 10, keep} {
		start := max(keep-n, 0)
		b := make([]byte, keep-start)
		if _, err := f.ReadAt(b, start); err != nil && err != io.EOF {
			return nil, err
		}
		lines := strings.Split(string(b), "\n")
		for i := len(lines) - 1; i >= 0 && !w.haveCP; i-- {
			if i == 0 && start > 0 {
				break // possibly a partial line
			}
			var c Checkpoint
			if c.UnmarshalText([]byte(lines[i])) == nil && c.Valid(l.pub) {
				w.cp, w.haveCP = c, true
			}
		}
		if w.haveCP || start == 0 {
			break
		}
	}
	w.cpBase = l.opt.Now()
	if w.haveCP {
		w.cpBase = w.cp.Time
	}
	return repairs, nil
}

// listMonths returns the months of the regular month files in dir, oldest first.
func listMonths(dir string) ([]month, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, custodian.Errorf(custodian.EINTERNAL, "접근 기록 디렉터리 %s를 읽을 수 없습니다: %v", "cannot read the access log directory %s: %v", dir, err)
	}
	var ms []month
	for _, e := range entries {
		if m, ok := parseFileName(e.Name()); ok && e.Type().IsRegular() {
			ms = append(ms, m)
		}
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i] < ms[j] })
	return ms, nil
}

func isLogName(name string) bool {
	name = strings.TrimSuffix(name, tmpExt)
	_, ok := parseFileName(name)
	return ok || name == CheckpointsFile || name == lockFile
}

func notALog(dir, what string) error {
	return custodian.Errorf(custodian.EINVALID, "%s는 접근 기록 디렉터리가 아닙니다 (%s)", "%s is not an access log directory (%s)", dir, what)
}

// checkDir checks that dir is a log directory (or empty), creating it if asked.
func checkDir(dir string, create bool) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if !create {
			return custodian.Errorf(custodian.ENOTFOUND, "접근 기록 디렉터리 %s가 없습니다", "no access log at %s", dir)
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return custodian.Errorf(custodian.EINTERNAL, "접근 기록 디렉터리 %s를 만들 수 없습니다: %v", "cannot create the access log directory %s: %v", dir, err)
		}
		return nil
	}
	if err != nil {
		return custodian.Errorf(custodian.EINTERNAL, "접근 기록 디렉터리 %s를 읽을 수 없습니다: %v", "cannot read the access log directory %s: %v", dir, err)
	}
	if !fi.IsDir() {
		return notALog(dir, "not a directory")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return custodian.Errorf(custodian.EINTERNAL, "접근 기록 디렉터리 %s를 읽을 수 없습니다: %v", "cannot read the access log directory %s: %v", dir, err)
	}
	known, other := 0, ""
	for _, e := range entries {
		if isLogName(e.Name()) {
			known++
		} else if other == "" {
			other = e.Name()
		}
	}
	if known == 0 && other != "" {
		return notALog(dir, "it holds "+other+" and no log files")
	}
	return nil
}

// removeTemps removes the temporary files a crash may have left (with the lock held).
func removeTemps(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), tmpExt) && isLogName(e.Name()) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// eventJSON is the JSON form of an Event (times RFC 3339 in KST, hashes hex).
type eventJSON struct {
	Type    string     `json:"type,omitempty"`
	Seq     uint64     `json:"seq"`
	Time    time.Time  `json:"time"`
	Actor   string     `json:"actor"`
	Source  string     `json:"source"`
	Action  string     `json:"action"`
	Camera  string     `json:"camera"`
	From    *time.Time `json:"from"`
	To      *time.Time `json:"to"`
	Object  string     `json:"object"`
	Purpose string     `json:"purpose"`
	Result  string     `json:"result"`
	Detail  string     `json:"detail"`
	Prev    string     `json:"prev"`
	Hash    string     `json:"hash"`
}

func (e Event) toJSON(typ string) eventJSON {
	j := eventJSON{Type: typ, Seq: e.Seq, Time: e.Time, Actor: e.Actor, Source: e.Source, Action: e.Action, Camera: e.Camera,
		Object: e.Object, Purpose: e.Purpose, Result: e.Result, Detail: e.Detail,
		Prev: hex.EncodeToString(e.Prev[:]), Hash: hex.EncodeToString(e.Hash[:])}
	if !e.From.IsZero() {
		j.From = &e.From
	}
	if !e.To.IsZero() {
		j.To = &e.To
	}
	return j
}

// MarshalJSON writes the event with every field; from and to are null when unset.
func (e Event) MarshalJSON() ([]byte, error) { return json.Marshal(e.toJSON("")) }

// UnmarshalJSON reads what MarshalJSON (or Export) writes.
func (e *Event) UnmarshalJSON(b []byte) error {
	var j eventJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*e = Event{Seq: j.Seq, Time: j.Time, Actor: j.Actor, Source: j.Source, Action: j.Action, Camera: j.Camera,
		Object: j.Object, Purpose: j.Purpose, Result: j.Result, Detail: j.Detail}
	if j.From != nil {
		e.From = *j.From
	}
	if j.To != nil {
		e.To = *j.To
	}
	for _, h := range []struct {
		s   string
		dst *[32]byte
	}{{j.Prev, &e.Prev}, {j.Hash, &e.Hash}} {
		b, err := hex.DecodeString(h.s)
		if err != nil || len(b) != 32 {
			return fmt.Errorf("auditlog: bad hash %q", h.s)
		}
		copy(h.dst[:], b)
	}
	return nil
}
