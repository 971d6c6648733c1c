package auditlog

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"custodian"
)

// Prune removes, as whole files, the months whose every record is older than the
// retention (Options.Retention, at least two years), never the newest month. Before it
// removes anything it makes sure a signed checkpoint pins the boundary (the last removed
// record, which the first kept file's header names) and appends a log.prune record that
// names the boundary, so that Verify accepts the shorter log and still detects a month
// removed by anyone else. It then drops the checkpoints older than the boundary from
// checkpoints.log. It returns the names of the files removed.
func (l *Log) Prune(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l.wmu.Lock()
	defer l.wmu.Unlock()
	w := &l.w
	if w.closed {
		return nil, errClosed
	}
	if err := flock(w.lockf, true); err != nil {
		return nil, err
	}
	defer funlock(w.lockf)
	repairs, err := l.syncTail()
	if err != nil {
		return nil, err
	}
	if len(repairs) > 0 {
		l.appendLocked(repairs)
	}
	months, err := listMonths(l.dir)
	if err != nil {
		return nil, err
	}
	now := l.opt.Now()
	cutoff := now.Add(-l.opt.Retention)
	var remove []month
	for _, m := range months[:max(len(months)-1, 0)] {
		if m.end().After(cutoff) {
			break
		}
		remove = append(remove, m)
	}
	if len(remove) == 0 {
		return nil, nil
	}
	kept := months[len(remove)]
	refuse := func(ko, en string, args ...any) error {
		return custodian.Errorf(custodian.ECONFLICT, "접근 기록을 정리하지 않았습니다: "+ko+"; 'custodian audit verify'로 확인하십시오",
			"did not prune the access log: "+en+"; see 'custodian audit verify'", args...)
	}
	f, err := os.Open(filepath.Join(l.dir, kept.fileName()))
	if err != nil {
		return nil, err
	}
	hdr, herr, _, err := readHeader(f)
	f.Close()
	if err != nil {
		return nil, err
	}
	if herr != nil {
		return nil, refuse("%s의 머리글이 손상되었습니다", "the header of %s is damaged", kept.fileName())
	}
	boundary := hdr.FirstSeq - 1
	if t, ok := l.fileTail(remove[len(remove)-1]); !ok || t.seq != boundary || t.hash != hdr.Prev {
		return nil, refuse("%s가 %s의 마지막 기록에 이어지지 않습니다", "%s does not continue the last record of %s",
			kept.fileName(), remove[len(remove)-1].fileName())
	}
	cpPath := filepath.Join(l.dir, CheckpointsFile)
	cpData, err := os.ReadFile(cpPath)
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	lines, _ := parseCheckpointFile(cpData)
	pinned := false
	for _, ln := range lines {
		if ln.err == nil && ln.cp.Seq == boundary && ln.cp.Hash == hdr.Prev && ln.cp.Valid(l.pub) {
			pinned = true
		}
	}
	if !pinned && boundary > 0 {
		if err := l.writeCheckpointAt(boundary, hdr.Prev); err != nil {
			return nil, err
		}
	}
	var names []string
	var size int64
	for _, m := range remove {
		names = append(names, m.fileName())
		if fi, err := os.Stat(filepath.Join(l.dir, m.fileName())); err == nil {
			size += fi.Size()
		}
	}
	ms := make([]string, len(remove))
	for i, m := range remove {
		ms[i] = m.String()
	}
	r := &request{e: Event{
		Actor:  "system:retention",
		Action: ActionLogPrune,
		Object: strings.Join(names, " "),
		Result: ResultOK,
		Detail: fmt.Sprintf("first_seq=%d prev=%s removed=%s files=%d bytes=%d retention_days=%d",
			hdr.FirstSeq, hex.EncodeToString(hdr.Prev[:]), strings.Join(ms, ","), len(remove), size, int(l.opt.Retention/(24*time.Hour))),
	}}
	l.appendLocked([]*request{r})
	if r.err != nil {
		return nil, r.err
	}
	for _, name := range names {
		if err := os.Remove(filepath.Join(l.dir, name)); err != nil && !os.IsNotExist(err) {
			return nil, custodian.Errorf(custodian.EINTERNAL, "%s를 지울 수 없습니다: %w", "cannot remove %s: %w", name, err)
		}
	}
	if err := syncDir(l.dir); err != nil {
		return nil, err
	}
	// Drop the checkpoints before the boundary (Verify ignores them anyway).
	if cpData, err = os.ReadFile(cpPath); err == nil {
		var out bytes.Buffer
		lines, torn := parseCheckpointFile(cpData)
		for _, ln := range lines {
			if ln.err != nil || ln.cp.Seq >= boundary {
				out.WriteString(ln.line)
				out.WriteByte('\n')
			}
		}
		if torn == 0 && out.Len() < len(cpData) {
			tmp := cpPath + tmpExt
			if err := writeFileSync(tmp, out.Bytes()); err != nil {
				return names, err
			}
			if err := os.Rename(tmp, cpPath); err != nil {
				os.Remove(tmp)
				return names, err
			}
			if err := syncDir(l.dir); err != nil {
				return names, err
			}
			w.cpSize = -1
		}
	}
	return names, nil
}

// parsePrune reads the boundary a log.prune record names.
func parsePrune(r *rawRecord) (pruneRec, bool) {
	p := pruneRec{seq: r.Seq, time: fromUnixNano(r.Time)}
	var haveSeq, havePrev bool
	for _, kv := range strings.Fields(string(r.Fields[fDetail])) {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "first_seq":
			n, err := strconv.ParseUint(v, 10, 64)
			p.firstSeq, haveSeq = n, err == nil
		case "prev":
			b, err := hex.DecodeString(v)
			if err == nil && len(b) == 32 {
				copy(p.prev[:], b)
				havePrev = true
			}
		case "removed":
			for _, s := range strings.Split(v, ",") {
				if m, ok := parseMonth(s); ok {
					p.months = append(p.months, m)
				}
			}
		}
	}
	return p, haveSeq && havePrev
}
