package auditlog

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strconv"
	"time"
	"unicode/utf8"

	"custodian"
)

// The on-disk format (docs/design/auditlog.md has the reasoning).
//
// A month file YYYY-MM.log is a 64-byte header followed by frames:
//
//	header
//	  0   8  magic "CUSTAUD1"
//	  8   2  version = 1 (big-endian)
//	  10  2  header size = 64
//	  12  2  year
//	  14  1  month (1..12)
//	  15  1  reserved (0)
//	  16  8  sequence number of the first record of the file
//	  24  32 hash of the last record before the file (zero for the first record ever)
//	  56  4  reserved (0)
//	  60  4  CRC-32C of bytes 0..59
//	frame
//	  0   4  0xA7 ‖ body length n (24 bits, big-endian)
//	  4   n  body: the canonical record bytes
//	  4+n 32 hash = SHA-256(hash of the previous record ‖ body)
//	  36+n 4 CRC-32C of bytes 0..35+n
//
// The body (all integers big-endian, strings as minimal uvarint length ‖ UTF-8 bytes):
//
//	version (1 byte, = 1), seq (8), time (8, Unix ns), from (8, Unix ns or 0), to (8),
//	actor, source, action, camera, object, purpose, result, detail
const (
	fileMagic     = "CUSTAUD1"
	fileVersion   = 1
	headerSize    = 64
	frameMarker   = 0xA7
	frameHead     = 4
	frameTrail    = 32 + 4
	frameOverhead = frameHead + frameTrail
	bodyVersion   = 1
	bodyFixed     = 1 + 8 + 8 + 8 + 8
	numFields     = 8
	minBody       = bodyFixed + numFields
	// MaxField is the most bytes a string field of an event may have; MaxDetail the most
	// for Detail.
	MaxField  = 4096
	MaxDetail = 65536
	maxBody   = bodyFixed + (numFields-1)*(MaxField+2) + MaxDetail + 3
	maxFrame  = frameOverhead + maxBody
)

// Field indexes in the body.
const (
	fActor = iota
	fSource
	fAction
	fCamera
	fObject
	fPurpose
	fResult
	fDetail
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// month counts months since year 0: year*12 + (month-1). Months are KST calendar months.
type month int

func monthOf(t time.Time) month {
	y, m, _ := t.In(custodian.KST).Date()
	return month(y*12 + int(m) - 1)
}

func (m month) year() int           { return int(m) / 12 }
func (m month) mon() time.Month     { return time.Month(int(m)%12 + 1) }
func (m month) start() time.Time    { return time.Date(m.year(), m.mon(), 1, 0, 0, 0, 0, custodian.KST) }
func (m month) end() time.Time      { return (m + 1).start() }
func (m month) fileName() string    { return m.String() + ".log" }
func (m month) valid() bool         { return m > 0 && m.year() >= 1000 && m.year() <= 9999 }
func monthFrom(y int, mo int) month { return month(y*12 + mo - 1) }

func (m month) String() string {
	y, mo := m.year(), int(m.mon())
	b := make([]byte, 0, 7)
	b = append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-', byte('0'+mo/10), byte('0'+mo%10))
	return string(b)
}

// parseMonth parses "YYYY-MM".
func parseMonth(s string) (month, bool) {
	if len(s) != 7 || s[4] != '-' {
		return 0, false
	}
	for i, c := range []byte(s) {
		if i != 4 && (c < '0' || c > '9') {
			return 0, false
		}
	}
	y, _ := strconv.Atoi(s[:4])
	mo, _ := strconv.Atoi(s[5:])
	if y < 1000 || mo < 1 || mo > 12 {
		return 0, false
	}
	return monthFrom(y, mo), true
}

// parseFileName recognises "YYYY-MM.log".
func parseFileName(name string) (month, bool) {
	if len(name) != 11 || name[7:] != ".log" {
		return 0, false
	}
	return parseMonth(name[:7])
}

// header is the beginning of a month file.
type header struct {
	Month    month
	FirstSeq uint64
	Prev     [32]byte
}

func (h header) encode() []byte {
	b := make([]byte, headerSize)
	copy(b, fileMagic)
	binary.BigEndian.PutUint16(b[8:], fileVersion)
	binary.BigEndian.PutUint16(b[10:], headerSize)
	binary.BigEndian.PutUint16(b[12:], uint16(h.Month.year()))
	b[14] = byte(h.Month.mon())
	binary.BigEndian.PutUint64(b[16:], h.FirstSeq)
	copy(b[24:56], h.Prev[:])
	binary.BigEndian.PutUint32(b[60:], crc32.Checksum(b[:60], crcTable))
	return b
}

var (
	errShortHeader = errors.New("short header")
	errMagic       = errors.New("not an access log file")
	errHeader      = errors.New("damaged header")
)

func parseHeader(b []byte) (header, error) {
	if len(b) < headerSize {
		return header{}, errShortHeader
	}
	if string(b[:8]) != fileMagic {
		return header{}, errMagic
	}
	if crc32.Checksum(b[:60], crcTable) != binary.BigEndian.Uint32(b[60:]) ||
		binary.BigEndian.Uint16(b[8:]) != fileVersion || binary.BigEndian.Uint16(b[10:]) != headerSize ||
		b[14] < 1 || b[14] > 12 || b[15] != 0 {
		return header{}, errHeader
	}
	h := header{Month: monthFrom(int(binary.BigEndian.Uint16(b[12:])), int(b[14])), FirstSeq: binary.BigEndian.Uint64(b[16:])}
	copy(h.Prev[:], b[24:56])
	if !h.Month.valid() || h.FirstSeq == 0 {
		return header{}, errHeader
	}
	return h, nil
}

// unixNano encodes a time; the zero time is 0.
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).In(custodian.KST)
}

// timeInRange reports whether t can be encoded: Unix nanoseconds fit in an int64.
func timeInRange(t time.Time) bool {
	if t.IsZero() {
		return true
	}
	return !t.Before(minTime) && !t.After(maxTime)
}

var (
	minTime = time.Unix(0, -1<<63+1)
	maxTime = time.Unix(0, 1<<63-1)
)

func (e *Event) field(i int) string {
	switch i {
	case fActor:
		return e.Actor
	case fSource:
		return e.Source
	case fAction:
		return e.Action
	case fCamera:
		return e.Camera
	case fObject:
		return e.Object
	case fPurpose:
		return e.Purpose
	case fResult:
		return e.Result
	}
	return e.Detail
}

// appendBody appends the canonical bytes of e (with e.Seq and e.Time set).
func appendBody(dst []byte, e *Event) []byte {
	dst = append(dst, bodyVersion)
	dst = binary.BigEndian.AppendUint64(dst, e.Seq)
	dst = binary.BigEndian.AppendUint64(dst, uint64(unixNano(e.Time)))
	dst = binary.BigEndian.AppendUint64(dst, uint64(unixNano(e.From)))
	dst = binary.BigEndian.AppendUint64(dst, uint64(unixNano(e.To)))
	for i := 0; i < numFields; i++ {
		s := e.field(i)
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		dst = append(dst, s...)
	}
	return dst
}

// chainHasher computes hash_i = SHA-256(hash_{i-1} ‖ body) without allocating: it
// copies both into one buffer and hashes it with sha256.Sum256, which is about twice as
// fast for records of a few hundred bytes as feeding a hash.Hash twice.
type chainHasher struct {
	buf []byte
}

func newChainHasher() *chainHasher { return &chainHasher{buf: make([]byte, 0, 4096)} }

func (c *chainHasher) sum(prev *[32]byte, body []byte) [32]byte {
	c.buf = append(append(c.buf[:0], prev[:]...), body...)
	return sha256.Sum256(c.buf)
}

// appendFrame appends e's frame, chained from prev, and returns it with its hash.
func appendFrame(dst []byte, e *Event, prev *[32]byte, ch *chainHasher) ([]byte, [32]byte) {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst = appendBody(dst, e)
	n := len(dst) - start - frameHead
	binary.BigEndian.PutUint32(dst[start:], frameMarker<<24|uint32(n))
	h := ch.sum(prev, dst[start+frameHead:])
	dst = append(dst, h[:]...)
	dst = binary.BigEndian.AppendUint32(dst, crc32.Checksum(dst[start:], crcTable))
	return dst, h
}

// rawRecord is a parsed body whose strings still point into the body.
type rawRecord struct {
	Seq      uint64
	Time     int64
	From, To int64
	Fields   [numFields][]byte
}

var errBody = errors.New("malformed record")

// parseBody checks that b is a canonical body and splits it, without allocating.
func parseBody(b []byte, r *rawRecord) error {
	if len(b) < minBody || len(b) > maxBody || b[0] != bodyVersion {
		return errBody
	}
	r.Seq = binary.BigEndian.Uint64(b[1:])
	r.Time = int64(binary.BigEndian.Uint64(b[9:]))
	r.From = int64(binary.BigEndian.Uint64(b[17:]))
	r.To = int64(binary.BigEndian.Uint64(b[25:]))
	if r.Seq == 0 || r.Time == 0 {
		return errBody
	}
	p := bodyFixed
	short := true // every length is one byte
	for i := 0; i < numFields; i++ {
		var n uint64
		var k int
		if p < len(b) && b[p] < 0x80 { // the common case: a length under 128
			n, k = uint64(b[p]), 1
		} else {
			n, k = binary.Uvarint(b[p:])
			if k <= 0 || k != uvarintLen(n) {
				return errBody
			}
			short = false
		}
		p += k
		limit := uint64(MaxField)
		if i == fDetail {
			limit = MaxDetail
		}
		if n > limit || n > uint64(len(b)-p) {
			return errBody
		}
		r.Fields[i] = b[p : p+int(n)]
		p += int(n)
	}
	if p != len(b) {
		return errBody
	}
	// With one-byte (ASCII) lengths between them, the strings are valid UTF-8 each exactly
	// when the bytes from the first length on are: a length byte can neither complete nor
	// continue a multi-byte sequence. One call instead of eight.
	if short {
		if !utf8.Valid(b[bodyFixed:]) {
			return errBody
		}
		return nil
	}
	for _, f := range r.Fields {
		if !utf8.Valid(f) {
			return errBody
		}
	}
	return nil
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// event builds the Event of a parsed record.
func (r *rawRecord) event() Event {
	return Event{
		Seq:     r.Seq,
		Time:    fromUnixNano(r.Time),
		From:    fromUnixNano(r.From),
		To:      fromUnixNano(r.To),
		Actor:   string(r.Fields[fActor]),
		Source:  string(r.Fields[fSource]),
		Action:  string(r.Fields[fAction]),
		Camera:  string(r.Fields[fCamera]),
		Object:  string(r.Fields[fObject]),
		Purpose: string(r.Fields[fPurpose]),
		Result:  string(r.Fields[fResult]),
		Detail:  string(r.Fields[fDetail]),
	}
}

// DecodeRecord decodes canonical record bytes (a frame's body). It returns an error for
// anything that is not exactly what appendBody writes.
func DecodeRecord(body []byte) (Event, error) {
	var r rawRecord
	if err := parseBody(body, &r); err != nil {
		return Event{}, err
	}
	return r.event(), nil
}

// EncodeRecord returns the canonical record bytes of e (the bytes that are hashed).
func EncodeRecord(e Event) []byte { return appendBody(nil, &e) }

// frameKind classifies what starts at an offset of a month file.
type frameKind int

const (
	kindEnd     frameKind = iota // end of the data
	kindFrame                    // an intact frame (CRC correct)
	kindBadCRC                   // a frame whose length is plausible but whose CRC is wrong
	kindGarbage                  // bytes that are no frame, up to the next intact frame
	kindTorn                     // bytes at the end that are no intact frame (an interrupted write)
)

// frameInfo decodes the 4-byte frame head: the body length, or -1 if it is no frame head.
func frameInfo(b []byte) int {
	v := binary.BigEndian.Uint32(b)
	if v>>24 != frameMarker {
		return -1
	}
	n := int(v & 0xFFFFFF)
	if n < minBody || n > maxBody {
		return -1
	}
	return n
}

// frameOK reports whether b begins with an intact frame, and its total length.
func frameOK(b []byte) (int, bool) {
	if len(b) < frameOverhead+minBody {
		return 0, false
	}
	n := frameInfo(b)
	if n < 0 || len(b) < frameOverhead+n {
		return 0, false
	}
	total := frameOverhead + n
	return total, crc32.Checksum(b[:total-4], crcTable) == binary.BigEndian.Uint32(b[total-4:])
}
