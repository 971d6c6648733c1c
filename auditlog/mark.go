package auditlog

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"

	"custodian"
)

// Mark is the log's high-water mark: the last record written and the newest checkpoint
// signed, as the writers last knew them. It is kept outside the log directory (by a
// MarkStore: the database), so that removing records from the end of the log — with
// checkpoints.log, or the whole directory — does not remove the evidence that they
// existed. Open refuses a log that no longer reaches its mark; Verify reports it.
type Mark struct {
	Seq        uint64     // the last record written (0: none)
	Hash       [32]byte   // its hash
	Time       time.Time  // its time
	Checkpoint Checkpoint // the newest checkpoint signed (zero: none)
}

// IsZero reports whether the mark records nothing.
func (m Mark) IsZero() bool { return m.Seq == 0 && m.Checkpoint.Signature == nil }

// MarkStore keeps a log's Mark outside the log directory. Several processes append to one
// log and each saves what it wrote, in any order: SaveMark only ever raises the stored
// mark (the record part and the checkpoint part each by its seq). ResetMark replaces it;
// only AcceptLoss calls it, after recording the loss in the log.
type MarkStore interface {
	LoadMark(ctx context.Context) (Mark, error) // the zero Mark when none is stored
	SaveMark(ctx context.Context, m Mark) error
	ResetMark(ctx context.Context, m Mark) error
}

// markInterval is the least time between two saves of the mark by the background saver
// (Close saves the final mark at once). Records written in between are covered by the
// running process's own check (the file must still end where it wrote it).
const markInterval = 500 * time.Millisecond

// ActionLogLoss records that records at the end of the log were lost and the loss was
// accepted by an operator (AcceptLoss).
const ActionLogLoss = "log.loss"

// errShorter is the refusal of a log that no longer reaches what was written or signed.
func errShorter(dir string, seq uint64, hash [32]byte, what string, mseq uint64, mhash [32]byte, at time.Time) error {
	when := ""
	if !at.IsZero() {
		when = at.In(custodian.KST).Format(time.RFC3339)
	}
	if seq == mseq {
		return custodian.Errorf(custodian.ECONFLICT,
			"접근 기록(%s)의 일련번호 %d의 해시(%s…)가 %s(%s)와 다릅니다: 기록이 고쳐 쓰였습니다. 기록을 더 쓰지 않습니다; 'custodian audit verify'로 확인하십시오",
			"the access log (%s) has another hash at seq %d (%s…) than %s (%s): records were rewritten. Nothing more is written to it; see 'custodian audit verify'",
			dir, seq, hex.EncodeToString(hash[:6]), what, when)
	}
	return custodian.Errorf(custodian.ECONFLICT,
		"접근 기록(%s)이 일련번호 %d에서 끝나지만 %s에는 일련번호 %d(%s, 해시 %s…)까지 있습니다: 끝부분의 기록 %d건 이상이 삭제되었습니다. 기록을 더 쓰지 않습니다; 'custodian audit verify'로 확인하고, 손실을 받아들이려면 'custodian audit accept-loss --reason TEXT'",
		"the access log (%s) ends at seq %d but %s reaches seq %d (%s, hash %s…): at least %d record(s) were removed from its end. Nothing more is written to it; see 'custodian audit verify', and to accept the loss 'custodian audit accept-loss --reason TEXT'",
		dir, seq, what, mseq, when, hex.EncodeToString(mhash[:6]), mseq-seq)
}

// checkMark compares the tail (seq, hash) with a mark: an error if the log is shorter
// than the record or the checkpoint the mark names, or has another hash at its seq.
func checkMark(dir string, seq uint64, hash [32]byte, m Mark) error {
	const what = "데이터베이스의 표시 (the mark kept in the database)"
	switch {
	case m.Seq > seq:
		return errShorter(dir, seq, hash, what, m.Seq, m.Hash, m.Time)
	case m.Seq == seq && m.Seq > 0 && m.Hash != hash:
		return errShorter(dir, seq, hash, what, m.Seq, m.Hash, m.Time)
	case m.Checkpoint.Signature != nil && m.Checkpoint.Seq > seq:
		return errShorter(dir, seq, hash, what, m.Checkpoint.Seq, m.Checkpoint.Hash, m.Checkpoint.Time)
	case m.Checkpoint.Signature != nil && m.Checkpoint.Seq == seq && m.Checkpoint.Seq > 0 && m.Checkpoint.Hash != hash:
		return errShorter(dir, seq, hash, what, m.Checkpoint.Seq, m.Checkpoint.Hash, m.Checkpoint.Time)
	}
	return nil
}

// noteRecords raises the mark this Log will save to its last durable record (with wmu
// held).
func (l *Log) noteRecords(seq uint64, hash [32]byte, t time.Time) {
	if l.opt.Marks == nil {
		return
	}
	l.markMu.Lock()
	if seq > l.mark.Seq {
		l.mark.Seq, l.mark.Hash, l.mark.Time = seq, hash, t
		l.markDirty = true
	}
	l.markMu.Unlock()
	l.kickSaver()
}

// noteCheckpoint raises the mark this Log will save to a checkpoint it wrote.
func (l *Log) noteCheckpoint(cp Checkpoint) {
	if l.opt.Marks == nil {
		return
	}
	l.markMu.Lock()
	if l.mark.Checkpoint.Signature == nil || cp.Seq >= l.mark.Checkpoint.Seq {
		l.mark.Checkpoint = cp
		l.markDirty = true
	}
	l.markMu.Unlock()
	l.kickSaver()
}

func (l *Log) kickSaver() {
	select {
	case l.markKick <- struct{}{}:
	default:
	}
}

// saveLoop saves the mark in the background, at most every markInterval, so that no
// append waits for the database.
func (l *Log) saveLoop() {
	defer close(l.saverExited)
	t := time.NewTimer(time.Hour)
	t.Stop()
	for {
		select {
		case <-l.markKick:
		case <-l.saverStop:
			return
		}
		l.saveMark()
		t.Reset(markInterval)
		select {
		case <-t.C:
		case <-l.saverStop:
			t.Stop()
			return
		}
	}
}

// saveMark saves the mark if it changed since the last save.
func (l *Log) saveMark() error {
	l.markMu.Lock()
	m, dirty := l.mark, l.markDirty
	l.markDirty = false
	l.markMu.Unlock()
	if !dirty {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := l.opt.Marks.SaveMark(ctx, m); err != nil {
		l.markMu.Lock()
		l.markDirty = true
		l.markMu.Unlock()
		err = custodian.Errorf(custodian.EINTERNAL, "접근 기록의 표시를 데이터베이스에 저장할 수 없습니다: %v", "cannot save the access log's mark in the database: %w", err)
		l.alarm(err)
		return err
	}
	return nil
}

func (l *Log) alarm(err error) {
	if l.opt.Alarm != nil {
		l.opt.Alarm(err)
	}
}

// stop makes the log refuse every later append and checkpoint with err (with wmu held).
func (l *Log) stop(err error) error {
	if l.w.broken == nil {
		l.w.broken = err
		l.alarm(err)
	}
	return l.w.broken
}

// Err returns why the log stopped writing (its tail was cut or rewritten under it), or
// nil.
func (l *Log) Err() error {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	return l.w.broken
}

// AcceptLoss is the way on after records were removed from the end of the log (Open
// refuses it): it records a log.loss record by actor that names what the log reached and
// what the mark says was written or signed, with the reason, signs a checkpoint after
// it, and resets the mark to it. The loss itself stays visible: Verify still reports the
// checkpoints and exported checkpoints beyond the records that are left.
func AcceptLoss(ctx context.Context, dir string, key []byte, opt Options, actor, reason string) (Event, error) {
	if opt.Marks == nil {
		return Event{}, custodian.Errorf(custodian.EINVALID, "표시 저장소가 없습니다", "no mark store is given")
	}
	if len(reason) < 5 {
		return Event{}, custodian.Errorf(custodian.EINVALID, "손실을 받아들이는 사유를 적어야 합니다 (5자 이상)", "give the reason for accepting the loss (5 characters or more)")
	}
	m, err := opt.Marks.LoadMark(ctx)
	if err != nil {
		return Event{}, err
	}
	l, err := open(dir, key, opt, false)
	if err != nil {
		return Event{}, err
	}
	l.wmu.Lock()
	seq, hash := l.w.seq, l.w.hash
	l.wmu.Unlock()
	if checkMark(dir, seq, hash, m) == nil {
		l.Close()
		return Event{}, custodian.Errorf(custodian.EINVALID, "접근 기록이 저장된 표시(일련번호 %d)에 이르므로 받아들일 손실이 없습니다",
			"the access log reaches its stored mark (seq %d): there is no loss to accept", m.Seq)
	}
	e, err := l.Append(ctx, Event{Actor: actor, Source: "cli", Action: ActionLogLoss, Object: "", Result: ResultOK,
		Detail: fmt.Sprintf("the log ended at seq %d (hash %x); the stored mark: seq %d (hash %x, written %s), checkpoint seq %d (hash %x); reason: %s",
			seq, hash, m.Seq, m.Hash, m.Time.In(custodian.KST).Format(time.RFC3339), m.Checkpoint.Seq, m.Checkpoint.Hash, reason)})
	var cp Checkpoint
	if err == nil {
		cp, err = l.Checkpoint(ctx)
	}
	if cerr := l.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Event{}, err
	}
	if err := opt.Marks.ResetMark(ctx, Mark{Seq: cp.Seq, Hash: cp.Hash, Time: e.Time, Checkpoint: cp}); err != nil {
		return Event{}, err
	}
	return e, nil
}
