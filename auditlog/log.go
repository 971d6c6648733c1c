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
// their batches). The log's mark — the last record written and the newest checkpoint
// signed — is kept outside its directory by a MarkStore (the database): a log shorter than
// it is refused at Open and reported by Verify, and a Log whose tail is cut under it stops
// writing. See docs/design/auditlog.md.
package auditlog

import (
	"context"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"sync"
	"time"

	"custodian"
)

// MinRetention is the least time records are kept: two years (PIPA guidance for access
// records of footage). Options.Retention may only be longer.
const MinRetention = 730 * 24 * time.Hour

// Options configure a Log. The zero value is the defaults.
type Options struct {
	CheckpointEvery    int           // records between checkpoints; default 1000
	CheckpointInterval time.Duration // time between checkpoints, checked as records arrive; default 5m
	Retention          time.Duration // default and minimum MinRetention
	Now                func() time.Time
	// Marks keeps the log's high-water mark outside the log directory (nil: none). With
	// it, Open refuses a log shorter than what was last written or signed.
	Marks MarkStore
	// Alarm, if set, is told when the log stops writing because its tail was cut or
	// rewritten under it, and when the mark cannot be saved.
	Alarm func(error)
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

	markMu      sync.Mutex // guards mark, markDirty
	mark        Mark       // what this Log has written and signed, to be saved
	markDirty   bool
	markKick    chan struct{}
	saverStop   chan struct{}
	saverExited chan struct{}
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
	broken error     // the tail was cut or rewritten under this Log: nothing more is written
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
// records the repair; anything else wrong is left for Verify to report. With
// opt.Marks, it refuses (ECONFLICT) a log that ends before the last record written or
// the newest checkpoint signed, as the mark store keeps them.
func Open(dir string, key ed25519.PrivateKey, opt Options) (*Log, error) {
	return open(dir, key, opt, true)
}

func open(dir string, key ed25519.PrivateKey, opt Options, checkMarks bool) (*Log, error) {
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
		return nil, custodian.Errorf(custodian.EINTERNAL, "접근 기록 잠금 파일을 열 수 없습니다: %w", "cannot open the access log's lock file: %w", err)
	}
	l := &Log{dir: dir, key: key, pub: key.Public().(ed25519.PublicKey), opt: opt, exited: make(chan struct{}), full: make(chan struct{}, 1)}
	l.cond = sync.NewCond(&l.mu)
	l.w.lockf = lf
	l.w.ch = newChainHasher()
	if err := flock(lf, true); err != nil {
		lf.Close()
		return nil, custodian.Errorf(custodian.EINTERNAL, "접근 기록을 잠글 수 없습니다: %w", "cannot lock the access log: %w", err)
	}
	removeTemps(dir)
	repairs, err := l.reload()
	var stored Mark
	if err == nil && opt.Marks != nil {
		m := &stored
		if *m, err = opt.Marks.LoadMark(context.Background()); err != nil {
			err = custodian.Errorf(custodian.EINTERNAL, "접근 기록의 표시를 읽을 수 없습니다: %v", "cannot read the access log's mark: %w", err)
		} else if checkMarks {
			err = checkMark(dir, l.w.seq, l.w.hash, *m)
		}
	}
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
	if opt.Marks != nil {
		l.markKick, l.saverStop, l.saverExited = make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
		l.mark.Seq, l.mark.Hash = l.w.seq, l.w.hash
		l.markDirty = l.w.seq > stored.Seq
		if l.w.haveCP {
			l.mark.Checkpoint = l.w.cp
			l.markDirty = l.markDirty || stored.Checkpoint.Signature == nil || l.w.cp.Seq > stored.Checkpoint.Seq
		}
		go l.saveLoop()
		l.kickSaver()
	}
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
	if l.saverStop != nil {
		close(l.saverStop)
		<-l.saverExited
		if serr := l.saveMark(); err == nil {
			err = serr
		}
	}
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
