package fmp4

import "encoding/binary"

// builder appends boxes to a byte slice. A box is opened with start (or startFull), its
// payload appended, and closed with end, which fills in its size. Boxes nest. Sizes are
// 32-bit: everything built here (an init segment, a moof) is far below 4 GiB; an mdat is
// written with mdatHeader.
type builder struct {
	b []byte
}

// start opens a box of type typ and returns its position for end.
func (w *builder) start(typ string) int {
	at := len(w.b)
	w.b = append(w.b, 0, 0, 0, 0)
	w.b = append(w.b, typ[:4]...)
	return at
}

// startFull opens a full box (with version and flags).
func (w *builder) startFull(typ string, version uint8, flags uint32) int {
	at := w.start(typ)
	w.u32(uint32(version)<<24 | flags&0xffffff)
	return at
}

// end closes the box opened at at.
func (w *builder) end(at int) {
	binary.BigEndian.PutUint32(w.b[at:], uint32(len(w.b)-at))
}

func (w *builder) u8(v uint8)      { w.b = append(w.b, v) }
func (w *builder) u16(v uint16)    { w.b = binary.BigEndian.AppendUint16(w.b, v) }
func (w *builder) u32(v uint32)    { w.b = binary.BigEndian.AppendUint32(w.b, v) }
func (w *builder) u64(v uint64)    { w.b = binary.BigEndian.AppendUint64(w.b, v) }
func (w *builder) bytes(v []byte)  { w.b = append(w.b, v...) }
func (w *builder) zeros(n int)     { w.b = append(w.b, make([]byte, n)...) }
func (w *builder) fourcc(s string) { w.b = append(w.b, s[:4]...) }

// box copies the box h of raw, writing out its size when the header says 0 ("to the end
// of the container"): where it is copied, it may no longer be last.
func (w *builder) box(raw []byte, h header) {
	at := len(w.b)
	w.b = append(w.b, raw[h.off:h.end()]...)
	if getU32(w.b, at) == 0 {
		putU32(w.b, at, uint32(h.size))
	}
}

// mdatHeader returns the header of an mdat box with a payload of n bytes (64-bit size when
// it does not fit in 32 bits).
func mdatHeader(n uint64) []byte {
	if n+8 <= 0xffffffff {
		b := binary.BigEndian.AppendUint32(nil, uint32(n+8))
		return append(b, "mdat"...)
	}
	b := binary.BigEndian.AppendUint32(nil, 1)
	b = append(b, "mdat"...)
	return binary.BigEndian.AppendUint64(b, n+16)
}

// putU32 and putU64 overwrite a field in place (for rewriting fragments).
func putU32(b []byte, at int, v uint32) { binary.BigEndian.PutUint32(b[at:], v) }
func putU64(b []byte, at int, v uint64) { binary.BigEndian.PutUint64(b[at:], v) }
func getU32(b []byte, at int) uint32    { return binary.BigEndian.Uint32(b[at:]) }
func getU64(b []byte, at int) uint64    { return binary.BigEndian.Uint64(b[at:]) }
