package auditlog

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"custodian"
)

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
		return custodian.Errorf(custodian.EINTERNAL, "체크포인트를 쓸 수 없습니다: %w", "cannot write a checkpoint: %w", err)
	}
	if seq == w.seq {
		w.cp, w.haveCP, w.cpBase = cp, true, cp.Time
	}
	l.noteCheckpoint(cp)
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
