// Package bits reads the bit-level syntax of H.264 and H.265 parameter sets: fixed-width
// fields and exp-Golomb codes (ITU-T H.264 §7.2, §9.1), with bounds checks, from an RBSP
// whose emulation prevention bytes were removed (RBSP).
package bits

import "errors"

// Errors of a Reader.
var (
	ErrTruncated = errors.New("truncated")
	ErrGolomb    = errors.New("exp-Golomb code longer than 32 bits")
)

// MaxLeadingZeros bounds exp-Golomb codes: values up to 2^32-2 (the largest the standards
// use) fit.
const MaxLeadingZeros = 32

// RBSP returns the raw byte sequence payload of a NAL unit: b without its emulation
// prevention bytes (each 0x03 following two zero bytes). It returns a new slice.
func RBSP(b []byte) []byte {
	out := make([]byte, 0, len(b))
	zeros := 0
	for _, c := range b {
		if zeros >= 2 && c == 3 {
			zeros = 0
			continue
		}
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
		out = append(out, c)
	}
	return out
}

// Reader reads bits, most significant first. Its error is sticky: after reading past the
// end (or a bad exp-Golomb code) every read returns 0 and Err the first error.
type Reader struct {
	b   []byte
	pos int // in bits
	err error
}

// NewReader returns a Reader of b.
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// Err returns the first error.
func (r *Reader) Err() error { return r.err }

// Left returns the number of bits not read yet.
func (r *Reader) Left() int { return len(r.b)*8 - r.pos }

// Pos returns the number of bits read.
func (r *Reader) Pos() int { return r.pos }

func (r *Reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
	r.pos = len(r.b) * 8
}

// U reads an n-bit unsigned integer (0 ≤ n ≤ 64).
func (r *Reader) U(n int) uint64 {
	if r.err != nil {
		return 0
	}
	if n < 0 || n > 64 || n > r.Left() {
		r.fail(ErrTruncated)
		return 0
	}
	var v uint64
	for n > 0 {
		bit := r.pos & 7
		take := min(8-bit, n)
		c := uint64(r.b[r.pos>>3]>>(8-bit-take)) & (1<<take - 1)
		v = v<<take | c
		r.pos += take
		n -= take
	}
	return v
}

// Flag reads one bit.
func (r *Reader) Flag() bool { return r.U(1) == 1 }

// Skip skips n bits.
func (r *Reader) Skip(n int) {
	if r.err != nil {
		return
	}
	if n < 0 || n > r.Left() {
		r.fail(ErrTruncated)
		return
	}
	r.pos += n
}

// UE reads an unsigned exp-Golomb code, ue(v).
func (r *Reader) UE() uint64 {
	zeros := 0
	for !r.Flag() {
		if r.err != nil {
			return 0
		}
		zeros++
		if zeros > MaxLeadingZeros {
			r.fail(ErrGolomb)
			return 0
		}
	}
	return 1<<zeros - 1 + r.U(zeros)
}

// SE reads a signed exp-Golomb code, se(v).
func (r *Reader) SE() int64 {
	k := r.UE()
	if k&1 == 1 {
		return int64(k+1) / 2
	}
	return -int64(k / 2)
}
