package auditlog

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"custodian"
)

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
		return custodian.Errorf(custodian.EINTERNAL, "접근 기록 잠금 파일을 쓸 수 없습니다: %w", "cannot write the access log's lock file: %w", err)
	}
	return nil
}

// syncTail brings the writer's view of the tail up to date after taking the lock (see
// followTail) and checks that the log still reaches what this Log last wrote or saw
// written: a tail cut or rewritten under it stops the Log (every later append and
// checkpoint is refused with the same error), since writing on would chain new records
// to the cut and sign a checkpoint over the shortened log.
func (l *Log) syncTail() ([]*request, error) {
	w := &l.w
	if w.broken != nil {
		return nil, w.broken
	}
	seq, hash := w.seq, w.hash
	repairs, err := l.followTail()
	if err == nil && (w.seq < seq || (w.seq == seq && w.hash != hash)) {
		err = l.stop(errShorter(l.dir, w.seq, w.hash, "이 프로세스가 쓴 기록 (what this process wrote)", seq, hash, time.Time{}))
	}
	if err != nil {
		return nil, err
	}
	return repairs, nil
}

// followTail brings the writer's view of the tail up to date: another process may have
// appended, started a new month or crashed mid-write. It returns the repair records to
// write first.
func (l *Log) followTail() ([]*request, error) {
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
	if fi.Size() < w.size {
		return l.cutUnder(fi.Size())
	}
	// The file must still end its part with the record this Log knows last (its stored
	// hash lies 36 bytes before the end of its frame): one read of 32 bytes per batch.
	if w.size > headerSize {
		var h [32]byte
		if _, err := w.cur.ReadAt(h[:], w.size-36); err != nil || h != w.hash {
			return l.cutUnder(fi.Size())
		}
	}
	if fi.Size() == w.size {
		return nil, nil
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

// cutUnder stops the Log: the file being written is shorter than it left it (size) or
// was rewritten.
func (l *Log) cutUnder(size int64) ([]*request, error) {
	w := &l.w
	return nil, l.stop(custodian.Errorf(custodian.ECONFLICT,
		"접근 기록 파일 %s가 이 프로세스가 쓴 마지막 기록(일련번호 %d, %d바이트까지)보다 짧아졌거나 고쳐 쓰였습니다 (지금 %d바이트): 기록이 삭제되었습니다. 기록을 더 쓰지 않습니다; 'custodian audit verify'로 확인하십시오",
		"the access log file %s is shorter than, or no longer ends with, the last record this process wrote (seq %d, up to byte %d; now %d bytes): records were removed. Nothing more is written to it; see 'custodian audit verify'",
		filepath.Join(l.dir, w.month.fileName()), w.seq, w.size, size))
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
		return nil, custodian.Errorf(custodian.EINTERNAL, "접근 기록을 읽을 수 없습니다: %w", "cannot read the access log: %w", err)
	}
	if err := f.Truncate(cut); err != nil {
		return nil, custodian.Errorf(custodian.EINTERNAL, "접근 기록의 끝을 잘라낼 수 없습니다: %w", "cannot cut the access log's torn tail: %w", err)
	}
	if err := datasync(f); err != nil {
		return nil, custodian.Errorf(custodian.EINTERNAL, "접근 기록을 동기화할 수 없습니다: %w", "cannot sync the access log: %w", err)
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
			return nil, custodian.Errorf(custodian.EINTERNAL, "접근 기록 파일을 열 수 없습니다: %w", "cannot open the access log file: %w", err)
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
		return nil, custodian.Errorf(custodian.EINTERNAL, "체크포인트 파일을 열 수 없습니다: %w", "cannot open the checkpoints file: %w", err)
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
