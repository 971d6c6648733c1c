package vault

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"

	"custodian"
)

// The segment file format, version 1 (docs/design/vault.md, "Segment file format").
const (
	Magic      = "CUSTSEG1"
	Version    = 1
	HeaderSize = 64
	// ChunkSize is the plaintext bytes sealed per chunk.
	ChunkSize = 64 << 10
	tagSize   = 16
	idSize    = 16
)

const segmentKeyInfo = "custodian-segment-v1"

// header is the authenticated header of a segment file.
type header struct {
	chunkSize uint32
	segmentID [idSize]byte
	keyID     [idSize]byte
}

func (h *header) marshal() []byte {
	b := make([]byte, HeaderSize)
	copy(b, Magic)
	binary.BigEndian.PutUint16(b[8:], Version)
	binary.BigEndian.PutUint32(b[12:], h.chunkSize)
	copy(b[16:], h.segmentID[:])
	copy(b[32:], h.keyID[:])
	return b
}

func parseHeader(b []byte) (*header, error) {
	if len(b) < HeaderSize || string(b[:8]) != Magic {
		return nil, errors.New("not a Custodian segment file (bad magic)")
	}
	if v := binary.BigEndian.Uint16(b[8:]); v != Version {
		return nil, fmt.Errorf("segment file version %d is not supported", v)
	}
	if binary.BigEndian.Uint16(b[10:]) != 0 || !bytes.Equal(b[48:HeaderSize], make([]byte, HeaderSize-48)) {
		return nil, errors.New("the header's flags or reserved bytes are not zero")
	}
	h := &header{chunkSize: binary.BigEndian.Uint32(b[12:])}
	if h.chunkSize == 0 || h.chunkSize > 16<<20 {
		return nil, fmt.Errorf("bad chunk size %d", h.chunkSize)
	}
	copy(h.segmentID[:], b[16:32])
	copy(h.keyID[:], b[32:48])
	return h, nil
}

// sealer seals or opens the chunks of one segment.
type sealer struct {
	aead  cipher.AEAD
	ad    []byte // header ‖ camera ‖ index (8) ‖ last (1)
	fixed int    // length of header ‖ camera
	nonce [12]byte
}

func newSealer(dataKey []byte, h *header, camera string) (*sealer, error) {
	key, err := hkdf.Key(sha256.New, dataKey, h.segmentID[:], segmentKeyInfo, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	s := &sealer{aead: aead}
	s.ad = append(append(h.marshal(), camera...), make([]byte, 9)...)
	s.fixed = len(s.ad) - 9
	return s, nil
}

func (s *sealer) set(index uint64, last bool) {
	binary.BigEndian.PutUint64(s.nonce[:8], index)
	s.nonce[8] = 0
	if last {
		s.nonce[8] = 1
	}
	binary.BigEndian.PutUint64(s.ad[s.fixed:], index)
	s.ad[s.fixed+8] = s.nonce[8]
}

func (s *sealer) seal(dst, plain []byte, index uint64, last bool) []byte {
	s.set(index, last)
	return s.aead.Seal(dst, s.nonce[:], plain, s.ad)
}

func (s *sealer) open(dst, sealed []byte, index uint64, last bool) ([]byte, error) {
	s.set(index, last)
	return s.aead.Open(dst, s.nonce[:], sealed, s.ad)
}

// chunkWriter encrypts a stream into chunks as it is written. Plaintext is only ever held
// in memory, a few chunks at a time. A full chunk is sealed only when more data follows, so
// that the final chunk can be marked.
//
// Three things overlap, so that a segment costs little more than its disk time: a hasher
// goroutine computes the SHA-256 of each chunk while the caller's goroutine seals and writes
// it (the chunk buffers circulate through a ring, and a buffer is reused only once it has
// been hashed), and a writeback goroutine asks the kernel to start writing each MiB to disk
// as soon as it is written, so that the final fsync has little left to do.
type chunkWriter struct {
	w      io.Writer
	file   *os.File // for writeback; nil when w is not a file
	s      *sealer
	size   int
	buf    []byte // the chunk being filled
	out    []byte
	index  uint64
	hash   hash.Hash
	plain  int64
	stored int64
	synced int64 // bytes handed to writeback so far
	closed bool

	free     chan []byte   // chunk buffers ready to be filled
	toHash   chan []byte   // full chunks for the hasher
	hashed   chan struct{} // closed when the hasher has finished
	wb       chan [2]int64 // ranges for writeback
	wbDone   chan struct{}
	stopOnce bool
}

const (
	writebackEvery = 1 << 20
	ringChunks     = 4
)

func newChunkWriter(w io.Writer, s *sealer, h *header) (*chunkWriter, error) {
	cw := &chunkWriter{w: w, s: s, size: int(h.chunkSize), hash: sha256.New(),
		free: make(chan []byte, ringChunks), toHash: make(chan []byte, ringChunks), hashed: make(chan struct{})}
	for i := 0; i < ringChunks; i++ {
		cw.free <- make([]byte, 0, cw.size)
	}
	cw.buf = <-cw.free
	cw.out = make([]byte, 0, cw.size+tagSize)
	go func() {
		for c := range cw.toHash {
			cw.hash.Write(c)
			cw.free <- c[:0]
		}
		close(cw.hashed)
	}()
	if f, ok := w.(*os.File); ok {
		cw.file = f
		cw.wb, cw.wbDone = make(chan [2]int64, 64), make(chan struct{})
		go func() {
			for r := range cw.wb {
				startWriteback(f, r[0], r[1])
			}
			close(cw.wbDone)
		}()
	}
	n, err := w.Write(h.marshal())
	cw.stored += int64(n)
	if err != nil {
		cw.stop()
	}
	return cw, err
}

func (cw *chunkWriter) Write(p []byte) (int, error) {
	if cw.closed {
		return 0, errors.New("vault: write after close")
	}
	written := 0
	for len(p) > 0 {
		if len(cw.buf) == cw.size {
			if err := cw.flush(false); err != nil {
				return written, err
			}
		}
		n := copy(cw.buf[len(cw.buf):cw.size], p)
		cw.buf = cw.buf[:len(cw.buf)+n]
		cw.plain += int64(n)
		p = p[n:]
		written += n
	}
	return written, nil
}

func (cw *chunkWriter) flush(last bool) error {
	chunk := cw.buf
	cw.toHash <- chunk // hashed on the other goroutine while it is sealed here
	cw.out = cw.s.seal(cw.out[:0], chunk, cw.index, last)
	n, err := cw.w.Write(cw.out)
	cw.stored += int64(n)
	if !last {
		cw.buf = <-cw.free
	}
	if err != nil {
		return err
	}
	cw.index++
	if cw.wb != nil && cw.stored-cw.synced >= writebackEvery {
		cw.wb <- [2]int64{cw.synced, cw.stored - cw.synced}
		cw.synced = cw.stored
	}
	return nil
}

// close seals the final chunk and waits for the hash and the writeback requests.
func (cw *chunkWriter) close() error {
	if cw.closed {
		return nil
	}
	cw.closed = true
	err := cw.flush(true)
	cw.stop()
	return err
}

// stop ends the helper goroutines; after it, the hash is complete.
func (cw *chunkWriter) stop() {
	if cw.stopOnce {
		return
	}
	cw.stopOnce = true
	cw.closed = true
	close(cw.toHash)
	<-cw.hashed
	if cw.wb != nil {
		close(cw.wb)
		<-cw.wbDone
	}
}

// ChunkError is a chunk that failed authentication: the file was changed, truncated,
// extended, or belongs to another segment, camera or key.
type ChunkError struct {
	Index  uint64
	Offset int64 // byte offset of the chunk in the file
}

func (e *ChunkError) Error() string {
	return fmt.Sprintf("chunk %d at byte %d failed authentication", e.Index, e.Offset)
}

// chunkReader decrypts any byte range of a segment file, verifying only the chunks it reads.
type chunkReader struct {
	r         io.ReaderAt
	s         *sealer
	size      int64 // chunk size
	chunks    uint64
	lastPlain int64
	plainSize int64
	buf, out  []byte
	cached    int64 // index of the chunk in out, or -1
}

// layout returns the number of chunks and the plaintext size of the last one for a file of
// fileSize bytes with the given chunk size.
func layout(fileSize, chunk int64) (chunks uint64, lastPlain int64, err error) {
	body := fileSize - HeaderSize
	if body < tagSize {
		return 0, 0, errors.New("the file ends before its first chunk")
	}
	full, rem := body/(chunk+tagSize), body%(chunk+tagSize)
	switch {
	case rem == 0:
		return uint64(full), chunk, nil
	case rem < tagSize:
		return 0, 0, fmt.Errorf("the file ends inside a chunk (%d stray bytes)", rem)
	}
	return uint64(full) + 1, rem - tagSize, nil
}

func newChunkReader(r io.ReaderAt, fileSize int64, s *sealer, h *header) (*chunkReader, error) {
	chunks, lastPlain, err := layout(fileSize, int64(h.chunkSize))
	if err != nil {
		return nil, err
	}
	cr := &chunkReader{r: r, s: s, size: int64(h.chunkSize), chunks: chunks, lastPlain: lastPlain, cached: -1}
	cr.plainSize = int64(chunks-1)*cr.size + lastPlain
	cr.buf = make([]byte, cr.size+tagSize)
	cr.out = make([]byte, 0, cr.size)
	return cr, nil
}

func (cr *chunkReader) chunk(i uint64) ([]byte, error) {
	if int64(i) == cr.cached {
		return cr.out, nil
	}
	last := i == cr.chunks-1
	n := cr.size + tagSize
	if last {
		n = cr.lastPlain + tagSize
	}
	off := HeaderSize + int64(i)*(cr.size+tagSize)
	if _, err := cr.r.ReadAt(cr.buf[:n], off); err != nil {
		return nil, fmt.Errorf("reading chunk %d: %w", i, err)
	}
	out, err := cr.s.open(cr.out[:0], cr.buf[:n], i, last)
	if err != nil {
		cr.cached = -1
		return nil, &ChunkError{Index: i, Offset: off}
	}
	cr.out, cr.cached = out, int64(i)
	return out, nil
}

// ReadAt reads plaintext at off.
func (cr *chunkReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("vault: negative offset")
	}
	n := 0
	for len(p) > 0 {
		if off >= cr.plainSize {
			return n, io.EOF
		}
		i := uint64(off / cr.size)
		c, err := cr.chunk(i)
		if err != nil {
			return n, err
		}
		k := copy(p, c[off-int64(i)*cr.size:])
		n += k
		off += int64(k)
		p = p[k:]
	}
	return n, nil
}

// segmentError wraps a problem with a segment's file for users.
func segmentError(s *custodian.Segment, err error) error {
	var ce *ChunkError
	if errors.As(err, &ce) {
		return custodian.Errorf(custodian.EINVALID,
			"세그먼트 %[1]s(%[2]s)의 %[3]d번째 청크(파일 %[4]d바이트 위치)가 위·변조되었거나 손상되었습니다",
			"segment %[1]s (%[2]s): chunk %[3]d at byte %[4]d failed authentication (changed or damaged)", s.ID, s.Path, ce.Index, ce.Offset)
	}
	return custodian.Errorf(custodian.EINVALID, "세그먼트 %[1]s(%[2]s)를 읽을 수 없습니다: %[3]v", "cannot read segment %[1]s (%[2]s): %[3]v", s.ID, s.Path, err)
}
