package auditlog

import (
	"bytes"
	"io"
	"sync"
)

// fileReader walks the frames of one month file, from the end of its header up to a
// limit (the size the file had when it was looked at), through a sliding window. It never
// fails on bad bytes: what is not an intact frame comes back as garbage or a torn tail.
type fileReader struct {
	f      io.ReaderAt
	limit  int64
	buf    []byte
	bstart int64 // file offset of buf[0]
	blen   int   // valid bytes in buf
	off    int64 // where the next item starts
	err    error // the first read error
}

const windowSize = 4 << 20

// windows are read windows for Scan and Export, reused: every access-log page and API
// call scans, and would otherwise allocate and clear 4 MiB (docs/BENCHMARKS.md, run 14).
var windows = sync.Pool{New: func() any { b := make([]byte, windowSize); return &b }}

func newFileReader(f io.ReaderAt, start, limit int64, buf []byte) *fileReader {
	if len(buf) < windowSize {
		buf = make([]byte, windowSize)
	}
	return &fileReader{f: f, limit: limit, buf: buf, off: start}
}

// peek returns up to n bytes at off (fewer at the limit). It may move the window, which
// invalidates slices returned earlier.
func (r *fileReader) peek(off int64, n int) []byte {
	end := off + int64(n)
	if end > r.limit {
		end = r.limit
	}
	if off >= end {
		return nil
	}
	if off >= r.bstart && end <= r.bstart+int64(r.blen) {
		return r.buf[off-r.bstart : end-r.bstart]
	}
	have := 0
	if off >= r.bstart && off < r.bstart+int64(r.blen) {
		have = copy(r.buf, r.buf[off-r.bstart:r.blen])
	}
	want := len(r.buf)
	if rest := r.limit - off; rest < int64(want) {
		want = int(rest)
	}
	m := 0
	if want > have {
		var err error
		m, err = r.f.ReadAt(r.buf[have:want], off+int64(have))
		if err != nil && err != io.EOF && r.err == nil {
			r.err = err
		}
		if m < want-have {
			// The file is shorter than it was: treat what is missing as the end.
			r.limit = off + int64(have+m)
			if end > r.limit {
				end = r.limit
			}
		}
	}
	r.bstart, r.blen = off, have+m
	if off >= end {
		return nil
	}
	return r.buf[:end-off]
}

// item is one thing found in a month file.
type item struct {
	kind frameKind
	off  int64  // file offset
	n    int64  // bytes it covers
	body []byte // the body of a frame (kindFrame, kindBadCRC); valid until the next call
	hash [32]byte
}

// next reads the next item; false at the end.
func (r *fileReader) next(it *item) bool {
	if r.off >= r.limit {
		it.kind = kindEnd
		return false
	}
	it.off, it.body = r.off, nil
	b := r.peek(r.off, maxFrame)
	if len(b) >= frameHead {
		if n := frameInfo(b); n >= 0 && len(b) >= frameOverhead+n {
			total, ok := frameOK(b)
			kind := kindFrame
			if !ok {
				// A damaged frame, not garbage, if an intact frame or the end follows it.
				next := r.off + int64(total)
				kind = kindBadCRC
				if next != r.limit {
					if _, ok := frameOK(r.peek(next, maxFrame)); !ok {
						kind = kindGarbage
					}
				}
				b = r.peek(r.off, total)
			}
			if kind != kindGarbage {
				it.kind, it.n = kind, int64(total)
				it.body = b[frameHead : frameHead+n]
				copy(it.hash[:], b[frameHead+n:])
				r.off += int64(total)
				return true
			}
		}
	}
	q := r.resync(r.off + 1)
	if q < 0 {
		it.kind, it.n = kindTorn, r.limit-r.off
		r.off = r.limit
	} else {
		it.kind, it.n = kindGarbage, q-r.off
		r.off = q
	}
	return true
}

// resync returns the offset of the next intact frame at or after from, or -1.
func (r *fileReader) resync(from int64) int64 {
	for p := from; p < r.limit; {
		b := r.peek(p, 1<<16)
		if len(b) == 0 {
			break
		}
		i := bytes.IndexByte(b, frameMarker)
		if i < 0 {
			p += int64(len(b))
			continue
		}
		q := p + int64(i)
		if _, ok := frameOK(r.peek(q, maxFrame)); ok {
			return q
		}
		p = q + 1
	}
	return -1
}
