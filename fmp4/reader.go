package fmp4

import (
	"encoding/binary"
	"errors"
	"io"
	"slices"
)

// Reader reads a fragmented MP4 from a stream (an ffmpeg pipe, a decrypting reader): the
// init first, then one fragment at a time. It holds at most one fragment in memory.
type Reader struct {
	d demux
}

// NewReader reads the init segment from r: the boxes up to and including moov, which must
// describe one video track and carry mvex (a fragmented MP4).
func NewReader(r io.Reader) (*Reader, error) {
	rd := &Reader{d: demux{src: &streamSource{r: r}}}
	if err := rd.d.readInit(); err != nil {
		return nil, err
	}
	return rd, nil
}

// Init returns the init segment.
func (r *Reader) Init() *Init { return r.d.init }

// Next returns the next fragment, or io.EOF after the last. Boxes between fragments that
// do not matter to playback (styp, sidx, prft, free, mfra ...) are dropped.
func (r *Reader) Next() (*Fragment, error) { return r.d.next() }

// Parse parses a whole fragmented MP4 held in memory (a decrypted segment). Init.Raw and
// every Fragment.Raw are slices of data, not copies.
func Parse(data []byte) (*Init, []*Fragment, error) {
	d := demux{src: &sliceSource{b: data}}
	if err := d.readInit(); err != nil {
		return nil, nil, err
	}
	var frags []*Fragment
	for {
		f, err := d.next()
		if err == io.EOF {
			return d.init, frags, nil
		}
		if err != nil {
			return nil, nil, err
		}
		frags = append(frags, f)
	}
}

// source yields the top-level boxes of a file.
type source interface {
	// header reads the next box header; io.EOF when the data ends at a box boundary.
	header() (header, error)
	// body returns the whole box whose header was just read (header included) after
	// prefix: prefix is nil or what body returned just before (the boxes read so far of
	// the init, or a moof), and the result is prefix followed by this box.
	body(h header, prefix []byte) ([]byte, error)
	// skip discards the box whose header was just read.
	skip(h header) error
}

// demux turns top-level boxes into an init and fragments.
type demux struct {
	src  source
	init *Init
	end  uint64 // End of the last fragment
	err  error  // sticky: after an error, next returns it again
}

func (d *demux) readInit() error {
	var raw []byte
	for first := true; ; first = false {
		h, err := d.src.header()
		switch {
		case err == io.EOF && first:
			return errorf("ftyp", 0, "데이터가 비어 있습니다", "the data is empty")
		case err == io.EOF:
			return errorf("moov", h.off, "moov 상자가 없습니다", "there is no moov box")
		case first && h.typ != "ftyp":
			// Said before any complaint about the box's size: text, MPEG-TS ...
			return errorf(h.typ, h.off, "MP4 파일이 아닙니다: ftyp 상자로 시작하지 않습니다",
				"not an MP4 file: it does not begin with an ftyp box")
		case err != nil:
			return err
		}
		switch {
		case h.typ == "mdat" || h.typ == "moof":
			return errorf(h.typ, h.off, "%s 상자가 moov 앞에 있습니다: 조각난(fragmented) MP4가 아닙니다",
				"%s comes before moov: not a fragmented MP4", h.typ)
		case h.off+h.size > maxInitSize:
			return errorf(h.typ, h.off, "초기화 세그먼트가 너무 큽니다 (최대 %d바이트)",
				"the init segment is too large (at most %d bytes)", maxInitSize)
		}
		if raw, err = d.src.body(h, raw); err != nil {
			return err
		}
		if len(raw) > maxInitSize {
			return errorf(h.typ, h.off, "초기화 세그먼트가 너무 큽니다 (최대 %d바이트)",
				"the init segment is too large (at most %d bytes)", maxInitSize)
		}
		if h.typ == "moov" {
			break
		}
		if h.size < 0 {
			return errorf("moov", h.off, "moov 상자가 없습니다", "there is no moov box")
		}
	}
	in, _, err := parseInit(raw)
	if err != nil {
		return err
	}
	d.init = in
	return nil
}

func (d *demux) next() (*Fragment, error) {
	if d.err != nil {
		return nil, d.err
	}
	f, err := d.fragment()
	if err != nil {
		d.err = err
		return nil, err
	}
	d.end = f.End()
	return f, nil
}

func (d *demux) fragment() (*Fragment, error) {
	for {
		h, err := d.src.header()
		if err != nil {
			return nil, err
		}
		switch h.typ {
		case "moof":
			moof, err := d.src.body(h, nil)
			if err != nil {
				return nil, err
			}
			m, err := d.src.header()
			if err == io.EOF {
				return nil, errorf("moof", h.off, "moof 다음에 mdat 상자가 없습니다 (데이터 끝)",
					"the moof is not followed by an mdat box (end of data)")
			}
			if err != nil {
				return nil, err
			}
			if m.typ != "mdat" {
				return nil, errorf(m.typ, m.off, "moof 다음에 mdat 상자가 없습니다",
					"the moof is not followed by an mdat box")
			}
			raw, err := d.src.body(m, moof)
			if err != nil {
				return nil, err
			}
			f, _, err := parseFragment(raw, h.off, d.init, d.end)
			return f, err
		case "mdat":
			return nil, errorf(h.typ, h.off, "moof 없이 mdat 상자가 있습니다", "an mdat box without a moof")
		case "ftyp", "moov":
			return nil, errorf(h.typ, h.off, "조각 사이에 %s 상자가 있습니다 (파일 두 개를 이어 붙였습니까?)",
				"a %s box between fragments (two files joined?)", h.typ)
		default:
			// styp, sidx, prft, free, mfra ... and unknown boxes, which ISO/IEC 14496-12
			// asks readers to skip: nothing in them is needed to play the fragments.
			if err := d.src.skip(h); err != nil {
				return nil, err
			}
		}
	}
}

// sliceSource reads boxes from memory.
type sliceSource struct {
	b   []byte
	pos int64
}

func (s *sliceSource) header() (header, error) {
	if s.pos >= int64(len(s.b)) {
		return header{off: s.pos}, io.EOF
	}
	return parseHeader(s.b[s.pos:], s.pos, "")
}

func (s *sliceSource) body(h header, prefix []byte) ([]byte, error) {
	s.pos = h.end()
	return s.b[h.off-int64(len(prefix)) : h.end() : h.end()], nil
}

func (s *sliceSource) skip(h header) error {
	s.pos = h.end()
	return nil
}

// streamSource reads boxes from an io.Reader.
type streamSource struct {
	r   io.Reader
	pos int64    // offset of the next unread byte
	hdr [32]byte // the header just read (h.hlen bytes)
}

func (s *streamSource) header() (header, error) {
	h := header{off: s.pos, hlen: 8}
	n, err := io.ReadFull(s.r, s.hdr[:8])
	s.pos += int64(n)
	if err == io.EOF {
		return h, io.EOF
	}
	if err != nil {
		return h, s.readErr("?", h.off, err)
	}
	h.typ = boxType(s.hdr[4:8])
	size := uint64(binary.BigEndian.Uint32(s.hdr[:]))
	toEnd := size == 0 // only the 32-bit size says "to the end"; a 64-bit 0 is wrong
	if size == 1 {
		if err := s.more(8, h); err != nil {
			return h, err
		}
		size = binary.BigEndian.Uint64(s.hdr[8:])
		h.hlen = 16
	}
	if h.typ == "uuid" {
		if err := s.more(16, h); err != nil {
			return h, err
		}
		h.hlen += 16
	}
	switch {
	case toEnd:
		h.size = -1
		return h, nil
	case size < uint64(h.hlen):
		return h, errorf(h.typ, h.off, "상자 크기 %d가 머리보다 작습니다",
			"the box size %d is smaller than its header", size)
	case size > MaxBoxSize:
		return h, errorf(h.typ, h.off, "상자가 너무 큽니다 (%d바이트, 최대 %d)",
			"the box is too large (%d bytes, at most %d)", size, MaxBoxSize)
	}
	h.size = int64(size)
	return h, nil
}

// more reads n more header bytes.
func (s *streamSource) more(n int, h header) error {
	got, err := io.ReadFull(s.r, s.hdr[h.hlen:h.hlen+n])
	s.pos += int64(got)
	if err != nil {
		return s.readErr(h.typ, h.off, err)
	}
	return nil
}

// readErr turns the end of the data inside a box into a truncation error; any other
// error of the underlying reader (ffmpeg failed, a chunk did not decrypt, the context was
// cancelled) is returned as it is.
func (s *streamSource) readErr(typ string, off int64, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return truncated(typ, off)
	}
	return err
}

// chunk is how much body is allocated ahead of the data actually read, so that a header
// that claims a huge box costs no more memory than the bytes that really follow it.
const chunk = 1 << 20

func (s *streamSource) body(h header, prefix []byte) ([]byte, error) {
	if h.size < 0 {
		// The box runs to the end of the data.
		rest, err := io.ReadAll(io.LimitReader(s.r, MaxBoxSize-int64(h.hlen)+1))
		s.pos += int64(len(rest))
		if err != nil {
			return nil, s.readErr(h.typ, h.off, err)
		}
		if int64(h.hlen+len(rest)) > MaxBoxSize {
			return nil, errorf(h.typ, h.off, "상자가 너무 큽니다 (최대 %d바이트)",
				"the box is too large (at most %d bytes)", MaxBoxSize)
		}
		return append(append(prefix, s.hdr[:h.hlen]...), rest...), nil
	}
	// Appended to prefix (amortised growth: many small boxes cost linear time).
	buf := slices.Grow(prefix, int(min(h.size, chunk)))
	buf = append(buf, s.hdr[:h.hlen]...)
	for want := h.size - int64(h.hlen); want > 0; {
		n := int(min(want, chunk))
		if cap(buf)-len(buf) < n {
			buf = append(buf[:cap(buf)], make([]byte, n)...)[:len(buf)]
		}
		got, err := io.ReadFull(s.r, buf[len(buf):len(buf)+n])
		buf = buf[:len(buf)+got]
		s.pos += int64(got)
		want -= int64(got)
		if err != nil {
			return nil, s.readErr(h.typ, h.off, err)
		}
	}
	return buf, nil
}

func (s *streamSource) skip(h header) error {
	if h.size < 0 {
		got, err := io.CopyN(io.Discard, s.r, MaxBoxSize-int64(h.hlen)+1)
		s.pos += got
		if got > MaxBoxSize-int64(h.hlen) {
			return errorf(h.typ, h.off, "상자가 너무 큽니다 (최대 %d바이트)",
				"the box is too large (at most %d bytes)", MaxBoxSize)
		}
		if err != nil && err != io.EOF {
			return s.readErr(h.typ, h.off, err)
		}
		return nil
	}
	got, err := io.CopyN(io.Discard, s.r, h.size-int64(h.hlen))
	s.pos += got
	if err != nil {
		return s.readErr(h.typ, h.off, err)
	}
	return nil
}
