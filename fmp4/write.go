package fmp4

import (
	"io"
	"math"
	"math/bits"

	"custodian"
)

// Write writes init and then frags as one fragmented MP4 (a clip): the mfhd sequence
// numbers are renumbered from 1 and shift is subtracted from every tfdt, so that a clip
// whose shift is its first fragment's BaseDecodeTime starts at decode time 0. Fragments
// must be in decode order and must not overlap; gaps are allowed.
//
// When the first fragment's first sample (its keyframe) is presented after its decode
// time (B-frames: PresentationOffset > 0), the written moov carries an edit list
// (edts/elst) that starts presentation at that sample, so that the clip is presented from
// 0; any edit list or mehd of the input is dropped, as they describe the input's timeline
// rather than the clip's. Otherwise the init is written as it is.
//
// Every fragment is checked before anything is written; the Raw bytes of init and frags
// are not modified. For a clip made of the fragments of several files (whose decode times
// each start anew), use a ClipWriter.
func Write(w io.Writer, init *Init, frags []*Fragment, shift uint64) error {
	if init == nil {
		return errNoInit()
	}
	in, lay, err := parseInit(init.Raw)
	if err != nil {
		return err
	}

	// Check every fragment before writing a byte.
	lays := make([]*fragLayout, len(frags))
	parsed := make([]*Fragment, len(frags))
	for i, f := range frags {
		p, l, err := checkFragment(in, f, i)
		if err != nil {
			return err
		}
		switch {
		case p.BaseDecodeTime < shift:
			return custodian.Errorf(custodian.EINVALID,
				"조각 %d의 디코드 시각 %d가 빼려는 값 %d보다 작습니다",
				"fragment %d's decode time %d is less than the shift %d", i, p.BaseDecodeTime, shift)
		case i > 0 && p.BaseDecodeTime < parsed[i-1].End():
			return errOrder(i, p.BaseDecodeTime, parsed[i-1].End())
		}
		parsed[i], lays[i] = p, l
	}

	c := &ClipWriter{w: w, in: in}
	if len(parsed) == 0 {
		_, err := w.Write(init.Raw)
		return err
	}
	first, last := parsed[0], parsed[len(parsed)-1]
	c.span = last.End() - shift
	if err := c.writeInit(lay, first.PresentationOffset); err != nil {
		return err
	}
	for i, p := range parsed {
		if err := c.write(frags[i], p, lays[i], p.BaseDecodeTime-shift); err != nil {
			return err
		}
	}
	return nil
}

// ClipWriter writes a clip fragment by fragment, giving each fragment the decode time it
// is to have in the clip: for clips made of the fragments of several files, whose decode
// times each start anew, and which should not all be in memory at once. Like Write, it
// renumbers the mfhd sequence numbers from 1 and starts presentation at 0 with an edit
// list.
type ClipWriter struct {
	w    io.Writer
	in   *Init
	span uint64 // decode time the clip covers (the edit list's length)
	n    int    // fragments written
	end  uint64 // decode time after the last fragment written
	pos  uint64 // bytes written
	buf  []byte
	err  error // sticky: the first failure
}

// NewClipWriter writes the init of a clip to w and returns the writer of its fragments.
// offset is the first fragment's PresentationOffset and span the decode time (in the
// init's Timescale) that the clip's fragments will cover from 0: the End of its last
// fragment once rebased. The clip's length is stated in the edit list when offset > 0.
func NewClipWriter(w io.Writer, init *Init, offset int64, span uint64) (*ClipWriter, error) {
	if init == nil {
		return nil, errNoInit()
	}
	in, lay, err := parseInit(init.Raw)
	if err != nil {
		return nil, err
	}
	c := &ClipWriter{w: w, in: in, span: span}
	if err := c.writeInit(lay, offset); err != nil {
		return nil, err
	}
	return c, nil
}

// Write checks f and writes it with decode time base (its first tfdt is set to base, and
// any further tfdt moved by as much) and the next sequence number. Fragments must come in
// decode order without overlapping and must end within the span given to NewClipWriter.
// f.Raw is not modified.
func (c *ClipWriter) Write(f *Fragment, base uint64) error {
	if c.err != nil {
		return c.err
	}
	p, l, err := checkFragment(c.in, f, c.n)
	if err != nil {
		return err
	}
	switch {
	case c.n > 0 && base < c.end:
		return errOrder(c.n, base, c.end)
	case base > c.span || p.Duration > c.span-base:
		return custodian.Errorf(custodian.EINVALID,
			"조각 %d(디코드 시각 %d, 길이 %d)가 클립의 길이 %d를 넘습니다",
			"fragment %d (decode time %d, duration %d) ends past the clip's span %d", c.n, base, p.Duration, c.span)
	}
	return c.write(f, p, l, base)
}

// writeInit writes the init, with the edit list for offset.
func (c *ClipWriter) writeInit(lay *initLayout, offset int64) error {
	head, err := clipInit(c.in, lay, offset, c.span)
	if err != nil {
		return err
	}
	return c.put(head)
}

// write writes the checked fragment f (parsed as p, l) at decode time base.
func (c *ClipWriter) write(f, p *Fragment, l *fragLayout, base uint64) error {
	buf := append(c.buf[:0], f.Raw...)
	c.buf = buf
	putU32(buf, l.seq, uint32(c.n+1))
	for k, t := range l.tfdts {
		var v uint64
		if t.wide {
			v = getU64(buf, t.at)
		} else {
			v = uint64(getU32(buf, t.at))
		}
		// The first traf's tfdt is the fragment's decode time; any other moves with it.
		nv := base
		if k > 0 {
			nv = v - min(v, p.BaseDecodeTime) + base
		}
		if t.wide {
			putU64(buf, t.at, nv)
		} else if nv > math.MaxUint32 {
			return errorf("moof/traf/tfdt", f.pos, "디코드 시각 %d가 32비트 tfdt(버전 0)에 들어가지 않습니다",
				"the decode time %d does not fit in a 32-bit tfdt (version 0)", nv)
		} else {
			putU32(buf, t.at, uint32(nv))
		}
	}
	for _, at := range l.bases {
		// Explicit base_data_offsets are absolute: move them with the moof.
		putU64(buf, at, getU64(buf, at)-uint64(f.pos)+c.pos)
	}
	if l.mdat >= 0 {
		putU32(buf, l.mdat, uint32(len(buf)-l.mdat)) // size 0 ("to the end") made explicit
	}
	if err := c.put(buf); err != nil {
		return err
	}
	c.n++
	c.end = base + p.Duration
	return nil
}

// put writes b, keeping the first failure.
func (c *ClipWriter) put(b []byte) error {
	if _, err := c.w.Write(b); err != nil {
		c.err = err
		return err
	}
	c.pos += uint64(len(b))
	return nil
}

// checkFragment parses f (number i of a clip) again, so that nothing is trusted but its
// bytes, and refuses what cannot be rebased.
func checkFragment(in *Init, f *Fragment, i int) (*Fragment, *fragLayout, error) {
	if f == nil {
		return nil, nil, custodian.Errorf(custodian.EINVALID, "조각 %d이 없습니다 (nil)", "fragment %d is nil", i)
	}
	p, l, err := parseFragment(f.Raw, f.pos, in, 0)
	if err != nil {
		return nil, nil, err
	}
	if p.noTfdt {
		return nil, nil, errorf("moof/traf/tfdt", f.pos, "조각 %d에 tfdt 상자가 없어 시각을 옮길 수 없습니다",
			"fragment %d has no tfdt box: its decode time cannot be moved", i)
	}
	return p, l, nil
}

func errNoInit() error {
	return custodian.Errorf(custodian.EINVALID, "초기화 세그먼트가 없습니다", "there is no init segment")
}

func errOrder(i int, base, end uint64) error {
	return custodian.Errorf(custodian.EINVALID,
		"조각 %d(디코드 시각 %d)가 앞 조각의 끝(%d)보다 앞섭니다: 조각은 디코드 순서대로, 겹치지 않아야 합니다",
		"fragment %d (decode time %d) starts before the end of the one before (%d): fragments must be in decode order and must not overlap",
		i, base, end)
}

// clipInit returns the init to write before a clip whose first fragment presents its
// first sample offset ticks after its decode time and which spans span ticks of decode
// time: the input's init, with an edit list that skips offset when offset > 0.
func clipInit(in *Init, lay *initLayout, offset int64, span uint64) ([]byte, error) {
	hasEdts, hasMehd := false, false
	for _, c := range lay.kids {
		hasEdts = hasEdts || c.typ == "edts"
	}
	_ = children(lay.moov.data, lay.moov.off+int64(lay.moov.hlen), "moov", func(c child) error {
		if c.typ == "mvex" {
			_ = children(c.data, c.off+int64(c.hlen), c.path, func(c child) error {
				hasMehd = hasMehd || c.typ == "mehd"
				return nil
			})
		}
		return nil
	})
	// A moov whose size is 0 ("to the end") would swallow the fragments after it.
	toEnd := getU32(in.Raw, int(lay.moov.off)) == 0
	if offset <= 0 && !hasEdts && !hasMehd && !toEnd {
		return in.Raw, nil
	}

	// The edit: from media time offset, for the whole span (in the movie's timescale,
	// rounded up so that the last frame is kept).
	hi, lo := bits.Mul64(span, uint64(in.movieTimescale))
	if hi >= uint64(in.Timescale) {
		return nil, errorf("moov/mvhd", lay.moov.off, "클립이 너무 깁니다", "the clip is too long")
	}
	dur, rem := bits.Div64(hi, lo, uint64(in.Timescale))
	if rem != 0 {
		dur++
	}

	var w builder
	edited := false
	w.bytes(in.Raw[:lay.moov.off])
	moov := w.start("moov")
	err := children(lay.moov.data, lay.moov.off+int64(lay.moov.hlen), "moov", func(c child) error {
		switch {
		case c.off == lay.trak.off:
			trak := w.start("trak")
			for _, k := range lay.kids {
				switch k.typ {
				case "edts":
					continue
				case "tkhd":
					w.box(in.Raw, k.header)
					if offset > 0 && !edited {
						writeEdts(&w, dur, offset)
						edited = true
					}
					continue
				}
				w.box(in.Raw, k.header)
			}
			w.end(trak)
		case c.typ == "mvex":
			box := w.start("mvex")
			err := children(c.data, c.off+int64(c.hlen), c.path, func(k child) error {
				if k.typ != "mehd" {
					w.box(in.Raw, k.header)
				}
				return nil
			})
			if err != nil {
				return err
			}
			w.end(box)
		default:
			w.box(in.Raw, c.header)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	w.end(moov)
	w.bytes(in.Raw[lay.moov.end():])
	return w.b, nil
}

// writeEdts writes an edit list of one edit: dur (movie timescale) of the media from
// mediaTime (track timescale) at rate 1.
func writeEdts(w *builder, dur uint64, mediaTime int64) {
	edts := w.start("edts")
	if dur > math.MaxUint32 || mediaTime > math.MaxInt32 {
		elst := w.startFull("elst", 1, 0)
		w.u32(1)
		w.u64(dur)
		w.u64(uint64(mediaTime))
		w.u32(1 << 16) // media_rate_integer 1, media_rate_fraction 0
		w.end(elst)
	} else {
		elst := w.startFull("elst", 0, 0)
		w.u32(1)
		w.u32(uint32(dur))
		w.u32(uint32(mediaTime))
		w.u32(1 << 16)
		w.end(elst)
	}
	w.end(edts)
}
