package fmp4

import (
	"encoding/binary"
	"fmt"

	"custodian"
)

// MaxBoxSize is the largest box this package reads (header included). A fragment of a
// few seconds of CCTV video is well below 16 MiB even at 4K; anything larger is refused
// rather than buffered.
const MaxBoxSize = 64 << 20

// maxInitSize bounds the whole init segment (everything before and including moov).
const maxInitSize = 16 << 20

// header is the header of one box.
type header struct {
	typ  string // four characters ("uuid" for extended types)
	off  int64  // absolute offset of the box's first byte
	size int64  // whole box, header included; -1: extends to the end of the data
	hlen int    // header length: 8, 16 (64-bit size) or +16 for "uuid"
}

func (h header) end() int64 { return h.off + h.size }

// boxType formats four bytes as a box type, escaping what is not printable ASCII so that
// garbage in an error message stays readable.
func boxType(b []byte) string {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return fmt.Sprintf("%q", string(b))
		}
	}
	return string(b)
}

// errorf returns an EINVALID error naming the box (a path such as "moov/trak/tkhd") and
// its byte offset. ko and en take the same args.
func errorf(box string, off int64, ko, en string, args ...any) *custodian.Error {
	a := append([]any{box, off}, args...)
	return custodian.Errorf(custodian.EINVALID,
		"MP4 %s 상자(오프셋 %d): "+ko, "MP4 %s box at offset %d: "+en, a...)
}

func truncated(box string, off int64) *custodian.Error {
	return errorf(box, off, "상자가 잘려 있습니다", "the box is truncated")
}

// parseHeader reads a box header at b[0:] (whose absolute offset is off). b holds the rest
// of the enclosing container: the box must fit in it. A size of 0 (to the end) is taken to
// mean the rest of b. parent names the container in errors. On an error the header has
// its type when the type could be read.
func parseHeader(b []byte, off int64, parent string) (header, error) {
	name := parent + "/?"
	if parent == "" {
		name = "?"
	}
	if len(b) < 8 {
		return header{}, errorf(name, off, "상자 머리(8바이트)가 잘려 있습니다 (%d바이트 남음)",
			"the box header (8 bytes) is truncated (%d bytes left)", len(b))
	}
	h := header{typ: boxType(b[4:8]), off: off, hlen: 8}
	name = join(parent, h.typ)
	size := uint64(binary.BigEndian.Uint32(b))
	switch size {
	case 0:
		size = uint64(len(b))
	case 1:
		if len(b) < 16 {
			return h, truncated(name, off)
		}
		size = binary.BigEndian.Uint64(b[8:])
		h.hlen = 16
	}
	if h.typ == "uuid" {
		h.hlen += 16
	}
	if size < uint64(h.hlen) {
		return h, errorf(name, off, "상자 크기 %d가 머리보다 작습니다",
			"the box size %d is smaller than its header", size)
	}
	if size > MaxBoxSize {
		return h, errorf(name, off, "상자가 너무 큽니다 (%d바이트, 최대 %d)",
			"the box is too large (%d bytes, at most %d)", size, MaxBoxSize)
	}
	if size > uint64(len(b)) {
		return h, errorf(name, off, "상자(%d바이트)가 데이터(%d바이트 남음)를 넘습니다",
			"the box (%d bytes) runs past the data (%d bytes left)", size, len(b))
	}
	h.size = int64(size)
	return h, nil
}

func join(parent, typ string) string {
	if parent == "" {
		return typ
	}
	return parent + "/" + typ
}

// child is one box inside a container held in memory.
type child struct {
	header
	path string // e.g. "moov/trak/mdia"
	data []byte // the payload, after the header
}

// children calls fn for every box in b, a container payload that starts at absolute offset
// off. path names the container.
func children(b []byte, off int64, path string, fn func(c child) error) error {
	for pos := 0; pos < len(b); {
		h, err := parseHeader(b[pos:], off+int64(pos), path)
		if err != nil {
			return err
		}
		c := child{header: h, path: join(path, h.typ), data: b[pos+h.hlen : pos+int(h.size)]}
		if err := fn(c); err != nil {
			return err
		}
		pos += int(h.size)
	}
	return nil
}

// cursor reads big-endian fields from a box payload with bounds checks. The first read past
// the end records an error (naming the box) and every later read returns zero; check err
// once at the end.
type cursor struct {
	b    []byte
	i    int
	path string
	off  int64 // absolute offset of the box (for errors)
	err  error
}

func newCursor(c child) *cursor {
	return &cursor{b: c.data, path: c.path, off: c.off}
}

func (c *cursor) need(n int) bool {
	if c.err != nil {
		return false
	}
	if n < 0 || len(c.b)-c.i < n {
		c.err = truncated(c.path, c.off)
		return false
	}
	return true
}

func (c *cursor) skip(n int) {
	if c.need(n) {
		c.i += n
	}
}

func (c *cursor) u8() uint8 {
	if !c.need(1) {
		return 0
	}
	v := c.b[c.i]
	c.i++
	return v
}

func (c *cursor) u16() uint16 {
	if !c.need(2) {
		return 0
	}
	v := binary.BigEndian.Uint16(c.b[c.i:])
	c.i += 2
	return v
}

func (c *cursor) u32() uint32 {
	if !c.need(4) {
		return 0
	}
	v := binary.BigEndian.Uint32(c.b[c.i:])
	c.i += 4
	return v
}

func (c *cursor) u64() uint64 {
	if !c.need(8) {
		return 0
	}
	v := binary.BigEndian.Uint64(c.b[c.i:])
	c.i += 8
	return v
}

// full reads the version and flags of a full box.
func (c *cursor) full() (version uint8, flags uint32) {
	v := c.u32()
	return uint8(v >> 24), v & 0xffffff
}

// fullTimes reads the full-box header of mvhd, tkhd or mdhd and skips their creation and
// modification times, 32-bit in version 0 and 64-bit in version 1.
func (c *cursor) fullTimes() {
	if v, _ := c.full(); v == 1 {
		c.skip(16)
	} else {
		c.skip(8)
	}
}

func (c *cursor) left() int { return len(c.b) - c.i }
