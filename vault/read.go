package vault

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"sync"
	"time"

	"custodian"
)

// Segment is an open segment: its footage can be read at any offset, and every byte read
// is authenticated.
type Segment struct {
	custodian.Segment
	f  *os.File
	cr *chunkReader
}

// Open opens a segment for reading. It fails if the segment's key was destroyed.
func (v *Vault) Open(ctx context.Context, seg custodian.Segment) (*Segment, error) {
	key, err := v.cat.Key(ctx, seg.KeyID)
	if err != nil {
		return nil, err
	}
	dataKey, err := v.unwrap(ctx, key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(v.path(seg.Path))
	if err != nil {
		return nil, segmentError(&seg, err)
	}
	s, err := v.openFile(f, &seg, dataKey)
	if err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

func (v *Vault) openFile(f *os.File, seg *custodian.Segment, dataKey []byte) (*Segment, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, segmentError(seg, err)
	}
	hb := make([]byte, HeaderSize)
	if _, err := f.ReadAt(hb, 0); err != nil {
		return nil, segmentError(seg, fmt.Errorf("reading the header: %w", err))
	}
	h, err := parseHeader(hb)
	if err != nil {
		return nil, segmentError(seg, err)
	}
	if want, err := parseID(seg.ID); err != nil || h.segmentID != want {
		return nil, segmentError(seg, errors.New("the file belongs to another segment"))
	}
	if want, err := parseID(seg.KeyID); err != nil || h.keyID != want {
		return nil, segmentError(seg, errors.New("the file is encrypted under another key"))
	}
	s, err := newSealer(dataKey, h, seg.Camera)
	if err != nil {
		return nil, err
	}
	cr, err := newChunkReader(f, st.Size(), s, h)
	if err != nil {
		return nil, segmentError(seg, err)
	}
	return &Segment{Segment: *seg, f: f, cr: cr}, nil
}

// Size returns the footage size.
func (s *Segment) Size() int64 { return s.cr.plainSize }

// ReadAt reads footage at off; the chunks read are decrypted and authenticated.
func (s *Segment) ReadAt(p []byte, off int64) (int, error) {
	n, err := s.cr.ReadAt(p, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return n, segmentError(&s.Segment, err)
	}
	return n, err
}

// Close closes the file.
func (s *Segment) Close() error { return s.f.Close() }

// ReadAll decrypts the whole segment and checks it against the SHA-256 recorded when it was
// written. Whole-segment reads are admitted a few at a time (reading).
func (s *Segment) ReadAll() ([]byte, error) { return s.readAll(false, true) }

// readAll is ReadAll; an urgent read (a playback waiting for its first picture) is admitted
// before the others waiting. Without hash, the recorded SHA-256 is not recomputed: every
// chunk is still authenticated under the segment's own key, with the segment, key, camera,
// the chunk's index and whether it is the last in its associated data (format.go), so a
// read that authenticates every chunk has read exactly what was written — no chunk changed,
// moved, dropped or added at the end. The SHA-256 is the key-independent fingerprint that
// the access log states; `verify --level hash` and moves check it. Playback skips it: it
// was a quarter of the server's processor under load (docs/BENCHMARKS.md, "The console").
func (s *Segment) readAll(urgent, hash bool) ([]byte, error) {
	return s.readAllInto(make([]byte, s.Size()), urgent, hash)
}

// readAllInto is readAll into buf, which must be s.Size() bytes long; every byte of it is
// written or an error returned (buf may be a reused one: nothing of what it held before
// may show).
func (s *Segment) readAllInto(buf []byte, urgent, hash bool) ([]byte, error) {
	reading.enter(urgent)
	defer reading.leave()
	if int64(len(buf)) != s.Size() {
		return nil, fmt.Errorf("vault: a buffer of %d bytes for a segment of %d", len(buf), s.Size())
	}
	if n, err := s.ReadAt(buf, 0); n != len(buf) || err != nil && !errors.Is(err, io.EOF) {
		if err == nil || errors.Is(err, io.EOF) {
			err = fmt.Errorf("segment %s: %d of %d bytes read: %w", s.ID, n, len(buf), io.ErrUnexpectedEOF)
		}
		return nil, err
	}
	if !hash {
		return buf, nil
	}
	if sum := sha256.Sum256(buf); len(s.SHA256) > 0 && !bytes.Equal(sum[:], s.SHA256) {
		return nil, custodian.Errorf(custodian.EINVALID,
			"세그먼트 %[1]s의 내용이 기록 당시의 해시와 다릅니다", "segment %[1]s does not match the hash recorded when it was written", s.ID)
	}
	return buf, nil
}

// segBufs are buffers for the whole-segment reads of playback, reused: a playback reads one
// segment of several MiB after another, and clearing a new buffer for each was a tenth of
// the server's processor under load (docs/BENCHMARKS.md, run 14).
var segBufs sync.Pool

// segBuf returns a buffer of n bytes, reused when one big enough is free (its old contents
// are all overwritten by readAllInto).
func segBuf(n int64) []byte {
	if p, _ := segBufs.Get().(*[]byte); p != nil && int64(cap(*p)) >= n {
		return (*p)[:n]
	}
	return make([]byte, n)
}

// freeSegBuf gives a buffer from segBuf back, once nothing refers to its contents.
func freeSegBuf(b []byte) { segBufs.Put(&b) }

// reading admits whole-segment reads (ReadAll: tens of milliseconds of decryption and
// hashing each) as many at a time as there are processors, the others waiting their turn
// in order, urgent ones (the first segments of a playback) first. Without it, a hundred
// playbacks starting together in `serve` each got a share of the processors in Go's round
// robin, along with every other request and the recorder's goroutines, so that a request
// that needs a millisecond of processor waited seconds in a queue of a hundred runnable
// goroutines (docs/BENCHMARKS.md, "The console").
var reading = newGate(runtime.GOMAXPROCS(0))

// gate admits up to n at a time; the others wait in two queues, urgent first, each in
// order.
type gate struct {
	mu             sync.Mutex
	free           int
	urgent, normal []chan struct{}
}

func newGate(n int) *gate { return &gate{free: n} }

func (g *gate) enter(urgent bool) {
	g.mu.Lock()
	if g.free > 0 {
		g.free--
		g.mu.Unlock()
		return
	}
	ch := make(chan struct{})
	if urgent {
		g.urgent = append(g.urgent, ch)
	} else {
		g.normal = append(g.normal, ch)
	}
	g.mu.Unlock()
	<-ch
}

// leave hands the slot to the first waiting (urgent first), or frees it.
func (g *gate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, q := range []*[]chan struct{}{&g.urgent, &g.normal} {
		if len(*q) > 0 {
			ch := (*q)[0]
			*q = (*q)[1:]
			close(ch)
			return
		}
	}
	g.free++
}

// Find lists the segments of camera overlapping [from, to).
func (v *Vault) Find(ctx context.Context, camera string, from, to time.Time) ([]custodian.Segment, error) {
	return v.cat.Segments(ctx, camera, from, to)
}

// Missing returns the segments among segs whose files are gone: deleted or moved behind
// Custodian's back. They are footage the catalog promises and the disk no longer has, and
// count as gaps (Gaps) until `custodian verify` reports them.
func (v *Vault) Missing(segs []custodian.Segment) []custodian.Segment {
	var out []custodian.Segment
	for _, s := range segs {
		if _, err := os.Stat(v.path(s.Path)); errors.Is(err, fs.ErrNotExist) {
			out = append(out, s)
		}
	}
	return out
}

// ActionMissing is the access-log action for a segment file found missing outside Verify.
const ActionMissing = "vault.missing"

// MissingFiles returns every complete segment whose file is gone, for a running server to
// notice footage deleted behind its back between verifications. It only stats files.
func (v *Vault) MissingFiles(ctx context.Context) ([]custodian.Segment, error) {
	var candidates []custodian.Segment
	err := v.cat.EachSegment(ctx, func(s custodian.Segment) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := os.Stat(v.path(s.Path)); errors.Is(err, fs.ErrNotExist) {
			candidates = append(candidates, s)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []custodian.Segment
	for _, s := range candidates {
		if !v.gone(ctx, s) { // not destroyed or moved meanwhile
			out = append(out, s)
		}
	}
	return out, nil
}

// ReportMissing records, once each, the segments found missing: in the access log (result
// "error") and returns how many were new.
func (v *Vault) ReportMissing(ctx context.Context, segs []custodian.Segment, seen map[string]bool) (int, error) {
	n := 0
	for _, s := range segs {
		if seen[s.ID] {
			continue
		}
		if err := v.record(ctx, Event{Action: ActionMissing, Camera: s.Camera, From: s.Start, To: s.End, Object: s.ID, Result: "error",
			Detail: "segment file missing (deleted or moved outside Custodian): " + s.Path}); err != nil {
			return n, err
		}
		seen[s.ID] = true
		n++
	}
	return n, nil
}
