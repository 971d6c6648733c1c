package auditlog

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"custodian"
)

// openFile opens a month file for reading; tests replace it to see which files are read.
var openFile = os.Open

// snapshot is what a reader looks at: the month files with the sizes they had at one
// moment between two batches (taken under a shared lock, so no batch is half written),
// and the checkpoints file.
type snapshot struct {
	dir   string
	files []snapFile
	cps   []byte
}

type snapFile struct {
	m    month
	name string
	size int64
}

func takeSnapshot(dir string, withCheckpoints bool) (*snapshot, error) {
	if err := checkDir(dir, false); err != nil {
		return nil, err
	}
	if lf, err := os.Open(filepath.Join(dir, lockFile)); err == nil {
		// Closing the file releases the lock.
		defer lf.Close()
		flock(lf, false)
	}
	months, err := listMonths(dir)
	if err != nil {
		return nil, err
	}
	s := &snapshot{dir: dir}
	for _, m := range months {
		fi, err := os.Stat(filepath.Join(dir, m.fileName()))
		if err != nil {
			continue
		}
		s.files = append(s.files, snapFile{m: m, name: m.fileName(), size: fi.Size()})
	}
	if withCheckpoints {
		b, err := os.ReadFile(filepath.Join(dir, CheckpointsFile))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, custodian.Errorf(custodian.EINTERNAL, "체크포인트 파일을 읽을 수 없습니다: %w", "cannot read the checkpoints file: %w", err)
		}
		s.cps = b
	}
	return s, nil
}

// visitor receives what walkFile finds.
type visitor struct {
	record  func(r *rawRecord, prev, hash *[32]byte) error // intact, decodable records
	damaged func(off, n int64) error                       // anything else
}

// walkFile reads the records of one month file in order.
func walkFile(ctx context.Context, dir string, sf snapFile, buf []byte, v visitor) error {
	f, err := openFile(filepath.Join(dir, sf.name))
	if err != nil {
		return custodian.Errorf(custodian.EINTERNAL, "접근 기록 파일 %s를 열 수 없습니다: %w", "cannot open the access log file %s: %w", sf.name, err)
	}
	defer f.Close()
	hb := make([]byte, headerSize)
	n, _ := f.ReadAt(hb, 0)
	var prev [32]byte
	if h, err := parseHeader(hb[:n]); err == nil {
		prev = h.Prev
	} else if v.damaged != nil {
		if err := v.damaged(0, int64(min(n, headerSize))); err != nil {
			return err
		}
	}
	r := newFileReader(f, headerSize, sf.size, buf)
	var it item
	var rec rawRecord
	for count := 0; r.next(&it); count++ {
		if count&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if it.kind == kindFrame || it.kind == kindBadCRC {
			if parseBody(it.body, &rec) == nil {
				if v.record != nil {
					if err := v.record(&rec, &prev, &it.hash); err != nil {
						return err
					}
				}
				prev = it.hash
				continue
			}
			prev = it.hash
		}
		if v.damaged != nil {
			if err := v.damaged(it.off, it.n); err != nil {
				return err
			}
		}
	}
	if r.err != nil {
		return custodian.Errorf(custodian.EINTERNAL, "접근 기록 파일 %s를 읽을 수 없습니다: %v", "cannot read the access log file %s: %v", sf.name, r.err)
	}
	return nil
}

// Filter selects records for Scan. Zero fields select everything; the period is [From, To).
type Filter struct {
	From, To     time.Time
	Actor        string
	Action       string
	ActionPrefix string
	Camera       string
}

// Scan calls fn with each record that f selects, in order (fn's error stops it and is
// returned). Month files wholly outside [From, To) are not read. Records that cannot be
// read are skipped (Verify reports them). Scan reads what was written when it began.
func Scan(ctx context.Context, dir string, f Filter, fn func(Event) error) error {
	s, err := takeSnapshot(dir, false)
	if err != nil {
		return err
	}
	from, to := unixNano(f.From), unixNano(f.To)
	win := windows.Get().(*[]byte)
	defer windows.Put(win)
	buf := *win
	for _, sf := range s.files {
		if (!f.To.IsZero() && !sf.m.start().Before(f.To)) || (!f.From.IsZero() && !sf.m.end().After(f.From)) {
			continue
		}
		err := walkFile(ctx, dir, sf, buf, visitor{record: func(r *rawRecord, prev, hash *[32]byte) error {
			if (from != 0 && r.Time < from) || (to != 0 && r.Time >= to) ||
				(f.Actor != "" && string(r.Fields[fActor]) != f.Actor) ||
				(f.Action != "" && string(r.Fields[fAction]) != f.Action) ||
				(f.ActionPrefix != "" && !bytes.HasPrefix(r.Fields[fAction], []byte(f.ActionPrefix))) ||
				(f.Camera != "" && string(r.Fields[fCamera]) != f.Camera) {
				return nil
			}
			e := r.event()
			e.Prev, e.Hash = *prev, *hash
			return fn(e)
		}})
		if err != nil {
			return err
		}
	}
	return nil
}

type damagedJSON struct {
	Type   string `json:"type"`
	File   string `json:"file"`
	Offset int64  `json:"offset"`
	Length int64  `json:"length"`
}

// Export writes the whole log as JSON lines: one object per record
// ({"type":"record","seq":…,"time":…, every field, "prev":hex,"hash":hex}), in order, then
// the signed checkpoints ({"type":"checkpoint",…,"text":"<text form>"}) oldest first, so
// that the last line is the newest checkpoint. Bytes that are no readable record appear as
// {"type":"damaged","file":…,"offset":…,"length":…}.
func Export(ctx context.Context, dir string, w io.Writer) error {
	s, err := takeSnapshot(dir, true)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	win := windows.Get().(*[]byte)
	defer windows.Put(win)
	buf := *win
	for _, sf := range s.files {
		name := sf.name
		err := walkFile(ctx, s.dir, sf, buf, visitor{
			record: func(r *rawRecord, prev, hash *[32]byte) error {
				e := r.event()
				e.Prev, e.Hash = *prev, *hash
				return enc.Encode(e.toJSON("record"))
			},
			damaged: func(off, n int64) error {
				return enc.Encode(damagedJSON{Type: "damaged", File: name, Offset: off, Length: n})
			},
		})
		if err != nil {
			return err
		}
	}
	lines, _ := parseCheckpointFile(s.cps)
	var cps []Checkpoint
	for _, l := range lines {
		if l.err == nil {
			cps = append(cps, l.cp)
		}
	}
	sort.SliceStable(cps, func(i, j int) bool {
		if cps[i].Seq != cps[j].Seq {
			return cps[i].Seq < cps[j].Seq
		}
		return cps[i].Time.Before(cps[j].Time)
	})
	for _, c := range cps {
		j := c.JSON()
		j.Type = "checkpoint"
		if err := enc.Encode(j); err != nil {
			return err
		}
	}
	return bw.Flush()
}
