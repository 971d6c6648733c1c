package auditlog

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"custodian"
)

// VerifyOptions configure Verify.
type VerifyOptions struct {
	// Against are checkpoints kept apart from the log (exported earlier): the log must
	// contain each one's seq with that hash, which detects a log cut short or rewritten
	// together with its checkpoints file.
	Against []Checkpoint
	// Progress, if set, is called now and then with the bytes read so far and in all.
	Progress func(done, total int64)
	// Mark is the log's high-water mark kept outside the log directory (the database):
	// the log must reach its record with that hash, and its checkpoint is checked like
	// an exported one. With a mark, a missing log directory is an empty log (a problem
	// when the mark names records), not an error.
	Mark *Mark
}

// Report is the result of Verify.
type Report struct {
	Records     uint64     `json:"records"`     // records read
	Files       int        `json:"files"`       // month files
	FirstSeq    uint64     `json:"first_seq"`   // the oldest record kept (after pruning)
	LastSeq     uint64     `json:"last_seq"`    // the newest record
	Checkpoints int        `json:"checkpoints"` // signed checkpoints in checkpoints.log that the chain passes through
	Against     int        `json:"against"`     // exported checkpoints the chain passes through
	Skipped     int        `json:"skipped"`     // checkpoints older than the oldest kept record (pruned months)
	Mark        uint64     `json:"mark"`        // the seq of the stored mark (VerifyOptions.Mark) checked; 0: none
	Unsigned    uint64     `json:"unsigned"`    // records after the newest matching checkpoint: not yet covered by a signature
	Last        Checkpoint `json:"last"`        // the newest checkpoint the chain passes through
	Problems    []Problem  `json:"problems"`    // in log order: the first bad record first
}

// OK reports whether no problem was found.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// Problem is one thing wrong with the log: where (file, byte offset, sequence number) and
// what, in Korean and English.
type Problem struct {
	File   string `json:"file"`
	Offset int64  `json:"offset"`
	Seq    uint64 `json:"seq"`
	Ko     string `json:"ko"`
	En     string `json:"en"`

	fileIdx int // sort key: the file's place in the log; checkpoints after the files
	order   int
}

// String formats the problem as "FILE @OFFSET (seq N): 한국어 (English)".
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	b.WriteString(" @")
	b.WriteString(strconv.FormatInt(p.Offset, 10))
	if p.Seq > 0 {
		b.WriteString(" (seq ")
		b.WriteString(strconv.FormatUint(p.Seq, 10))
		b.WriteString(")")
	}
	b.WriteString(": ")
	b.WriteString(p.Ko)
	b.WriteString(" (")
	b.WriteString(p.En)
	b.WriteString(")")
	return b.String()
}

// maxProblems bounds the problems listed per file.
const maxProblems = 1000

type recAt struct {
	off  int64
	hash [32]byte
}

type pruneRec struct {
	seq, firstSeq uint64
	off           int64
	time          time.Time
	prev          [32]byte
	months        []month
}

// fileResult is what walking one month file found.
type fileResult struct {
	sf       snapFile
	idx      int
	hdr      header
	herr     error
	records  uint64
	firstSeq uint64 // the first record's seq (0: none)
	maxSeq   uint64 // the highest seq, and its stored hash
	maxHash  [32]byte
	problems []Problem
	dropped  int
	at       map[uint64]recAt
	prunes   []pruneRec
	err      error
}

func (fr *fileResult) problem(off int64, seq uint64, ko, en string, args ...any) {
	if len(fr.problems) >= maxProblems {
		fr.dropped++
		return
	}
	fr.problems = append(fr.problems, Problem{File: fr.sf.name, Offset: off, Seq: seq,
		Ko: fmt.Sprintf(ko, args...), En: fmt.Sprintf(en, args...), fileIdx: fr.idx, order: len(fr.problems)})
}

// Verify recomputes the whole chain across months, checks every checkpoint's signature
// with pub and that the chain passes through each checkpoint's (seq, hash), with
// opt.Against as well. It returns an error only when the log cannot be read at all; what
// is wrong with it is in Report.Problems. See docs/design/auditlog.md for what is and is
// not detected.
func Verify(ctx context.Context, dir string, pub ed25519.PublicKey, opt VerifyOptions) (*Report, error) {
	if len(pub) != ed25519.PublicKeySize {
		return nil, custodian.Errorf(custodian.EINVALID, "공개 키가 Ed25519 키가 아닙니다", "the public key is not an Ed25519 key")
	}
	s, err := takeSnapshot(dir, true)
	if custodian.ErrorCode(err) == custodian.ENOTFOUND && opt.Mark != nil && !opt.Mark.IsZero() {
		s, err = &snapshot{dir: dir}, nil
	}
	if err != nil {
		return nil, err
	}
	rep := &Report{Files: len(s.files), Problems: []Problem{}}
	nf := len(s.files)

	// Checkpoints: parse them now; their seqs tell the walkers which hashes to keep.
	lines, torn := parseCheckpointFile(s.cps)
	for _, c := range opt.Against {
		lines = append(lines, cpLine{cp: c})
	}
	// The mark's checkpoint adds to its record part only when it is the newer.
	if opt.Mark != nil && opt.Mark.Checkpoint.Signature != nil && opt.Mark.Checkpoint.Seq > opt.Mark.Seq {
		lines = append(lines, cpLine{cp: opt.Mark.Checkpoint, source: markSource})
	}
	want := make(map[uint64]bool, len(lines))
	if opt.Mark != nil && opt.Mark.Seq > 0 {
		want[opt.Mark.Seq] = true
	}
	for _, l := range lines {
		if l.err == nil {
			want[l.cp.Seq] = true
		}
	}

	// Walk the files, in parallel.
	results := make([]fileResult, nf)
	var total int64
	for _, sf := range s.files {
		total += sf.size
	}
	var pmu sync.Mutex
	var done int64
	progress := func(n int64) {
		if opt.Progress == nil {
			return
		}
		pmu.Lock()
		done += n
		opt.Progress(done, total)
		pmu.Unlock()
	}
	progress(0)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(runtime.GOMAXPROCS(0), max(nf, 1)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, windowSize)
			ch := newChainHasher()
			for i := range jobs {
				results[i] = verifyFile(ctx, s.dir, s.files[i], i, i == nf-1, want, buf, ch, progress)
			}
		}()
	}
	// Meanwhile, check the signatures.
	valid := make([]bool, len(lines))
	go func() {
		// The largest files first, so that the workers finish together.
		order := make([]int, nf)
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool { return s.files[order[a]].size > s.files[order[b]].size })
		for _, i := range order {
			jobs <- i
		}
		close(jobs)
	}()
	for i, l := range lines {
		valid[i] = l.err == nil && l.cp.Valid(pub)
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i := range results {
		if results[i].err != nil {
			return nil, results[i].err
		}
	}

	var probs []Problem
	addAt := func(fileIdx int, file string, off int64, seq uint64, ko, en string, args ...any) {
		probs = append(probs, Problem{File: file, Offset: off, Seq: seq, Ko: fmt.Sprintf(ko, args...), En: fmt.Sprintf(en, args...),
			fileIdx: fileIdx, order: maxProblems + len(probs)})
	}
	for i := range results {
		fr := &results[i]
		rep.Records += fr.records
		probs = append(probs, fr.problems...)
		if fr.dropped > 0 {
			addAt(i, fr.sf.name, fr.sf.size, 0, "이 파일의 문제 %d개를 더 생략했습니다", "%d more problems in this file not listed", fr.dropped)
		}
	}

	// Across files: each header continues the file before.
	var lastSeq uint64
	var lastHash [32]byte
	haveLast := false
	for i := range results {
		fr := &results[i]
		if fr.herr == nil {
			if haveLast {
				switch {
				case fr.hdr.FirstSeq > lastSeq+1:
					addAt(i, fr.sf.name, 0, fr.hdr.FirstSeq,
						"%s는 일련번호 %d부터 시작하지만 앞 파일은 %d에서 끝납니다: 기록 %d건(일련번호 %d–%d)이 없습니다 (월 파일이 삭제되었을 수 있습니다)",
						"%s starts at seq %d but the file before ends at %d: %d record(s) (seq %d–%d) are missing (a month file may have been removed)",
						fr.sf.name, fr.hdr.FirstSeq, lastSeq, fr.hdr.FirstSeq-lastSeq-1, lastSeq+1, fr.hdr.FirstSeq-1)
				case fr.hdr.FirstSeq < lastSeq+1:
					addAt(i, fr.sf.name, 0, fr.hdr.FirstSeq,
						"%s는 일련번호 %d부터 시작하지만 앞 파일이 이미 %d까지 있습니다 (파일이 겹칩니다)",
						"%s starts at seq %d but the file before already reaches %d (the files overlap)", fr.sf.name, fr.hdr.FirstSeq, lastSeq)
				case fr.hdr.Prev != lastHash:
					addAt(i, fr.sf.name, 0, fr.hdr.FirstSeq,
						"%s의 머리글이 앞 파일의 마지막 기록(일련번호 %d)의 해시로 이어지지 않습니다",
						"the header of %s does not continue the hash of the last record (seq %d) of the file before", fr.sf.name, lastSeq)
				}
			}
			if !haveLast || fr.hdr.FirstSeq-1 > lastSeq {
				lastSeq, lastHash, haveLast = fr.hdr.FirstSeq-1, fr.hdr.Prev, true
			}
		}
		if fr.firstSeq > 0 && (!haveLast || fr.maxSeq > lastSeq) {
			lastSeq, lastHash, haveLast = fr.maxSeq, fr.maxHash, true
		}
	}
	rep.LastSeq = lastSeq

	// The beginning: the first record ever, or the boundary of a prune that the chain
	// records.
	first := uint64(1)
	var firstPrev [32]byte
	firstKnown := true
	if nf > 0 {
		fr := &results[0]
		switch {
		case fr.herr == nil:
			first, firstPrev = fr.hdr.FirstSeq, fr.hdr.Prev
		case fr.firstSeq > 0:
			first, firstKnown = fr.firstSeq, false
		}
	}
	rep.FirstSeq = first
	var prunes []pruneRec
	for i := range results {
		prunes = append(prunes, results[i].prunes...)
	}
	for _, p := range prunes {
		for _, m := range p.months {
			if m.end().Add(MinRetention).After(p.time) {
				fi, name := pruneFile(results, p)
				addAt(fi, name, p.off, p.seq, "%s 월 파일이 보관 기간(%d일)이 끝나기 전에 삭제되었다고 기록되어 있습니다",
					"the record says the month %s was removed before its retention (%d days) ended", m, int(MinRetention/(24*time.Hour)))
			}
		}
	}
	if nf > 0 && firstKnown && (first != 1 || firstPrev != [32]byte{}) {
		anchored := false
		for _, p := range prunes {
			if p.firstSeq == first && p.prev == firstPrev {
				anchored = true
			}
		}
		if !anchored {
			addAt(0, s.files[0].name, 0, first,
				"접근 기록의 앞부분이 없습니다: 가장 오래된 파일 %s가 일련번호 %d부터 시작하는데 이를 설명하는 보관 기간 만료 삭제(log.prune) 기록이 없습니다",
				"the beginning of the log is missing: the oldest file %s starts at seq %d and no prune record (log.prune) accounts for the records before",
				s.files[0].name, first)
		}
	}

	// The stored mark: the log reaches the last record written, with its hash.
	if m := opt.Mark; m != nil && m.Seq > 0 {
		rep.Mark = m.Seq
		when := m.Time.In(custodian.KST).Format(time.RFC3339)
		switch {
		case m.Seq > lastSeq:
			missing := fmt.Sprintf("%d–%d", lastSeq+1, m.Seq)
			addAt(max(nf-1, 0), lastNameOr(s), lastSize(s), m.Seq,
				"접근 기록이 일련번호 %[1]d에서 끝나지만(기록 %[2]d건) 데이터베이스의 표시에는 일련번호 %[3]d까지 기록되었다고 되어 있습니다(%[4]s): 일련번호 %[6]s의 기록 %[5]d건이 없습니다 (끝부분이 잘렸거나 파일이 삭제되었습니다)",
				"the log ends at seq %d (%d records) but the mark kept in the database says records were written up to seq %d (%s): the %d record(s) seq %s are missing (the end was cut or files were removed)",
				lastSeq, rep.Records, m.Seq, when, m.Seq-lastSeq, missing)
		case m.Seq+1 < first:
			// Pruned since: the mark is older than the oldest kept record.
		default:
			if fi, a, found := atSeq(results, m.Seq); !found {
				addAt(max(nf-1, 0), lastNameOr(s), lastSize(s), m.Seq,
					"데이터베이스의 표시가 가리키는 일련번호 %d의 기록(%s)이 없습니다: 기록이 삭제되었습니다",
					"there is no record with seq %d, which the mark kept in the database names (%s): records were removed", m.Seq, when)
			} else if a.hash != m.Hash {
				addAt(fi, results[fi].sf.name, a.off, m.Seq,
					"일련번호 %d의 해시가 데이터베이스의 표시(%s)와 다릅니다: 기록이 고쳐 쓰였습니다",
					"the hash at seq %d differs from the mark kept in the database (%s): records were rewritten", m.Seq, when)
			}
		}
	}

	// Checkpoints: signatures, then that the chain passes through each.
	if torn > 0 {
		addAt(nf, CheckpointsFile, int64(len(s.cps)-torn), 0,
			"체크포인트 파일 끝의 줄이 불완전합니다 (%d바이트, 쓰는 중 중단됨; 다음 열기에서 잘라냅니다)",
			"the last line of the checkpoints file is incomplete (%d bytes, an interrupted write; the next Open cuts it)", torn)
	}
	type located struct {
		line  *cpLine
		valid bool
	}
	var checks []located
	for i := range lines {
		l := &lines[i]
		fi, where := nf, l.source
		if where == "" {
			fi, where = nf+1, "(exported)"
		} else if where == markSource {
			fi = nf + 1
		}
		switch {
		case l.err != nil:
			addAt(fi, where, l.off, 0, "체크포인트 줄을 읽을 수 없습니다: %s", "cannot read a checkpoint line: %s", strings.TrimPrefix(l.err.Error(), ""))
		case !valid[i]:
			addAt(fi, where, l.off, l.cp.Seq,
				"일련번호 %d의 체크포인트 서명이 올바르지 않습니다: 위조되었거나 고쳐졌거나 다른 키로 서명되었습니다",
				"the signature of the checkpoint at seq %d does not verify: forged, altered or signed with another key", l.cp.Seq)
		default:
			checks = append(checks, located{line: l, valid: true})
		}
	}
	sort.SliceStable(checks, func(i, j int) bool { return checks[i].line.cp.Seq < checks[j].line.cp.Seq })
	var lastGood uint64
	at := func(seq uint64) (int, recAt, bool) { return atSeq(results, seq) }
	for _, c := range checks {
		cp := c.line.cp
		exported := c.line.source != CheckpointsFile
		from := "checkpoints.log"
		switch c.line.source {
		case "":
			from = "exported"
		case markSource:
			from = "database mark"
		}
		ok := false
		switch {
		case cp.Seq+1 < first:
			rep.Skipped++
			continue
		case cp.Seq+1 == first:
			ok = !firstKnown || cp.Hash == firstPrev
			if !ok && nf > 0 {
				addAt(0, s.files[0].name, 0, cp.Seq,
					"가장 오래된 파일의 머리글이 일련번호 %d의 서명된 체크포인트(%s, %s)와 다릅니다",
					"the header of the oldest file differs from the signed checkpoint at seq %d (%s, %s)", cp.Seq, from, cp.Time.Format(time.RFC3339))
			}
		case cp.Seq > lastSeq:
			fi, name, off := max(nf-1, 0), "", int64(0)
			if nf > 0 {
				name, off = s.files[nf-1].name, s.files[nf-1].size
			}
			addAt(fi, name, off, cp.Seq,
				"접근 기록이 일련번호 %d에서 끝나지만 %s에 서명된 체크포인트(%s)에는 일련번호 %d까지 있습니다: 끝부분의 기록 %d건 이상이 삭제되었습니다",
				"the log ends at seq %d but a checkpoint signed at %s (%s) names seq %d: at least %d record(s) were removed from the end",
				lastSeq, cp.Time.Format(time.RFC3339), from, cp.Seq, cp.Seq-lastSeq)
		default:
			fi, a, found := at(cp.Seq)
			switch {
			case !found:
				addAt(max(nf-1, 0), lastName(s), lastSize(s), cp.Seq,
					"일련번호 %d의 기록이 없는데 서명된 체크포인트(%s)가 이를 가리킵니다: 기록이 삭제되었습니다",
					"there is no record with seq %d, which a signed checkpoint (%s) names: records were removed", cp.Seq, from)
			case a.hash != cp.Hash:
				addAt(fi, results[fi].sf.name, a.off, cp.Seq,
					"일련번호 %d의 해시가 %s에 서명된 체크포인트(%s)와 다릅니다: 마지막으로 맞는 체크포인트(일련번호 %d) 이후의 기록이 고쳐 쓰였습니다 (해시를 다시 계산해 체인을 맞춘 변조)",
					"the hash at seq %d differs from the checkpoint signed at %s (%s): records after the last matching checkpoint (seq %d) were rewritten (and the chain recomputed)",
					cp.Seq, cp.Time.Format(time.RFC3339), from, lastGood)
			default:
				ok = true
			}
		}
		if !ok {
			continue
		}
		lastGood = cp.Seq
		if c.line.source == markSource {
			// counted in rep.Mark
		} else if exported {
			rep.Against++
		} else {
			rep.Checkpoints++
			if cp.Seq >= rep.Last.Seq {
				rep.Last = cp
			}
		}
	}
	if lastSeq > rep.Last.Seq {
		rep.Unsigned = lastSeq - rep.Last.Seq
	}
	sort.SliceStable(probs, func(i, j int) bool {
		a, b := probs[i], probs[j]
		if a.fileIdx != b.fileIdx {
			return a.fileIdx < b.fileIdx
		}
		if a.Offset != b.Offset {
			return a.Offset < b.Offset
		}
		return a.order < b.order
	})
	rep.Problems = probs
	if opt.Progress != nil {
		opt.Progress(total, total)
	}
	return rep, nil
}

// markSource is the cpLine source of the stored mark's checkpoint.
const markSource = "(database mark)"

// atSeq finds the record with seq among the records the walkers kept.
func atSeq(results []fileResult, seq uint64) (int, recAt, bool) {
	for i := range results {
		if a, ok := results[i].at[seq]; ok {
			return i, a, true
		}
	}
	return 0, recAt{}, false
}

// lastNameOr names the newest file, or the log when there is none.
func lastNameOr(s *snapshot) string {
	if len(s.files) == 0 {
		return "(" + s.dir + ")"
	}
	return s.files[len(s.files)-1].name
}

func lastName(s *snapshot) string {
	if len(s.files) == 0 {
		return ""
	}
	return s.files[len(s.files)-1].name
}

func lastSize(s *snapshot) int64 {
	if len(s.files) == 0 {
		return 0
	}
	return s.files[len(s.files)-1].size
}

func pruneFile(results []fileResult, p pruneRec) (int, string) {
	for i := range results {
		for _, q := range results[i].prunes {
			if q.seq == p.seq && q.off == p.off {
				return i, results[i].sf.name
			}
		}
	}
	return 0, ""
}

// verifyFile walks one month file: framing, canonical bodies, sequence numbers, the hash
// chain (from the header's hash), record times within the file's month.
func verifyFile(ctx context.Context, dir string, sf snapFile, idx int, newest bool, want map[uint64]bool,
	buf []byte, ch *chainHasher, progress func(int64)) fileResult {
	fr := fileResult{sf: sf, idx: idx, at: map[uint64]recAt{}}
	f, err := openFile(filepath.Join(dir, sf.name))
	if err != nil {
		fr.err = custodian.Errorf(custodian.EINTERNAL, "접근 기록 파일 %s를 열 수 없습니다: %w", "cannot open the access log file %s: %w", sf.name, err)
		return fr
	}
	defer f.Close()
	hb := make([]byte, headerSize)
	n, _ := f.ReadAt(hb, 0)
	fr.hdr, fr.herr = parseHeader(hb[:n])
	var prev [32]byte
	var expSeq uint64 // 0: unknown
	prevKnown := false
	switch {
	case fr.herr == errMagic:
		fr.problem(0, 0, "%s는 접근 기록 파일이 아닙니다 (머리글의 표식이 없습니다)", "%s is not an access log file (no magic in its header)", sf.name)
	case fr.herr != nil:
		fr.problem(0, 0, "%s의 머리글이 손상되었습니다", "the header of %s is damaged", sf.name)
	case fr.hdr.Month != sf.m:
		fr.problem(0, fr.hdr.FirstSeq, "%s의 머리글은 %s 파일이라고 합니다 (파일 이름이 바뀌었습니다)",
			"the header of %s says it is the file of %s (the file was renamed)", sf.name, fr.hdr.Month)
		fallthrough
	default:
		prev, expSeq, prevKnown = fr.hdr.Prev, fr.hdr.FirstSeq, true
	}
	var ring [16]struct {
		seq  uint64
		hash [32]byte
	}
	var alt [32]byte
	haveAlt := false
	mStart, mEnd := sf.m.start().UnixNano(), sf.m.end().UnixNano()
	r := newFileReader(f, headerSize, sf.size, buf)
	var it item
	var rec rawRecord
	reported := int64(headerSize)
	for count := 0; r.next(&it); count++ {
		if count&4095 == 0 {
			if err := ctx.Err(); err != nil {
				fr.err = err
				return fr
			}
			if r.off-reported >= 4<<20 {
				progress(r.off - reported)
				reported = r.off
			}
		}
		switch it.kind {
		case kindGarbage:
			fr.problem(it.off, expSeq, "읽을 수 없는 바이트 %d개 (기록이 손상되었거나 삭제되었습니다)",
				"%d unreadable bytes (records damaged or removed)", it.n)
			prevKnown, haveAlt = false, false
			continue
		case kindTorn:
			if newest {
				fr.problem(it.off, expSeq, "파일 끝의 기록이 불완전합니다 (%d바이트, 쓰는 중 중단된 기록; 다음 열기에서 잘라냅니다)",
					"the record at the end of the file is incomplete (%d bytes, an interrupted write; the next Open cuts it)", it.n)
			} else {
				fr.problem(it.off, expSeq, "파일 끝의 %d바이트를 읽을 수 없습니다 (기록이 손상되었거나 잘렸습니다)",
					"%d unreadable bytes at the end of the file (records damaged or cut)", it.n)
			}
			continue
		}
		fr.records++
		perr := parseBody(it.body, &rec)
		seq := rec.Seq
		if perr != nil {
			seq = 0
		}
		p := &prev
		if seq > 1 {
			if e := &ring[(seq-1)%16]; e.seq == seq-1 {
				p = &e.hash
			}
		}
		h := ch.sum(p, it.body)
		consistent := h == it.hash
		if !consistent && haveAlt && ch.sum(&alt, it.body) == it.hash {
			consistent = true // the record before had a wrong stored hash (reported there)
		}
		switch {
		case perr != nil:
			fr.problem(it.off, expSeq, "기록의 형식이 올바르지 않습니다 (정규 인코딩이 아닙니다)", "malformed record (not the canonical encoding)")
		case expSeq != 0 && seq > expSeq:
			fr.problem(it.off, seq, "와야 할 일련번호는 %d인데 %d입니다: 기록이 빠졌거나 순서가 바뀌었습니다",
				"expected seq %d, found %d: records are missing or out of order", expSeq, seq)
		case expSeq != 0 && seq < expSeq:
			fr.problem(it.off, seq, "일련번호 %d의 순서가 맞지 않거나 중복되었습니다 (와야 할 일련번호: %d)",
				"seq %d is out of order or repeated (expected %d)", seq, expSeq)
		case it.kind == kindBadCRC && !consistent:
			fr.problem(it.off, seq, "기록이 손상되었거나 고쳐졌습니다 (체크섬과 해시가 모두 맞지 않습니다)",
				"the record is damaged or altered (neither its checksum nor its hash matches)")
		case it.kind == kindBadCRC:
			fr.problem(it.off, seq, "기록의 체크섬이 손상되었습니다 (해시는 맞습니다)", "the record's checksum is damaged (its hash matches)")
		case !consistent && prevKnown:
			fr.problem(it.off, seq, "기록이 고쳐졌습니다: 내용이 저장된 해시와 일치하지 않습니다",
				"the record was altered: its bytes do not match its stored hash")
		case rec.Time < mStart || rec.Time >= mEnd:
			fr.problem(it.off, seq, "기록의 시각 %s가 파일의 달(%s) 밖입니다",
				"the record's time %s is outside the file's month (%s)", fromUnixNano(rec.Time).Format(time.RFC3339), sf.m)
		}
		if perr == nil {
			if fr.firstSeq == 0 {
				fr.firstSeq = seq
			}
			if seq >= fr.maxSeq {
				fr.maxSeq, fr.maxHash = seq, it.hash
			}
			if want[seq] {
				if _, dup := fr.at[seq]; !dup {
					fr.at[seq] = recAt{off: it.off, hash: it.hash}
				}
			}
			if string(rec.Fields[fAction]) == ActionLogPrune {
				if p, ok := parsePrune(&rec); ok {
					p.off = it.off
					fr.prunes = append(fr.prunes, p)
				}
			}
			e := &ring[seq%16]
			e.seq, e.hash = seq, it.hash
			if expSeq == 0 || seq+1 > expSeq {
				expSeq = seq + 1
			}
		}
		prev, prevKnown = it.hash, true
		alt, haveAlt = h, !consistent
	}
	progress(r.off - reported)
	if r.err != nil {
		fr.err = custodian.Errorf(custodian.EINTERNAL, "접근 기록 파일 %s를 읽을 수 없습니다: %v", "cannot read the access log file %s: %v", sf.name, r.err)
	}
	return fr
}
