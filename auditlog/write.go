package auditlog

import (
	"os"
	"path/filepath"
	"time"

	"custodian"
)

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
		finish(reqs, custodian.Errorf(custodian.EINTERNAL, "접근 기록을 잠글 수 없습니다: %w", "cannot lock the access log: %w", err))
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
		err = custodian.Errorf(custodian.EINTERNAL, "접근 기록을 쓸 수 없습니다: %w", "cannot write the access log: %w", err)
		finish(pend, err)
		return err
	}
	w.size += int64(len(buf))
	l.noteRecords(w.seq, w.hash, pend[len(pend)-1].e.Time)
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
		return custodian.Errorf(custodian.EINTERNAL, "접근 기록 파일을 만들 수 없습니다: %w", "cannot create the access log file: %w", err)
	}
	if err := syncDir(l.dir); err != nil {
		return err
	}
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return custodian.Errorf(custodian.EINTERNAL, "접근 기록 파일을 열 수 없습니다: %w", "cannot open the access log file: %w", err)
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
		return custodian.Errorf(custodian.EINTERNAL, "%s를 쓸 수 없습니다: %w", "cannot write %s: %w", name, err)
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
		return custodian.Errorf(custodian.EINTERNAL, "디렉터리 %s를 동기화할 수 없습니다: %w", "cannot sync the directory %s: %w", dir, err)
	}
	return nil
}
