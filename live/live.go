// Package live fans the frames a recorder receives out to the console's live viewers
// (docs/design/live.md).
//
// The recorder opens a Feed per camera connection and hands it every frame it records
// (Frame, from RTSP) or every fragment (Fragment, from ffmpeg). A Feed does nothing while
// nobody watches the camera: no copy, no allocation. While someone does, each frame
// becomes a fragmented-MP4 fragment of its own, built once and shared by every viewer.
//
// A viewer (Hub.Stream) receives a framed stream, each message a kind byte and a 4-byte
// big-endian length, then the payload:
//
//	'i'  init: 1 byte n, n bytes of RFC 6381 codec ("avc1.640028"), the init segment
//	'f'  a fragment (moof + mdat)
//	's'  status: JSON {"state": "waiting"|"live"|"ended", "ko": ..., "en": ...}
//
// A viewer starts at a keyframe, after an init. A viewer that falls behind (its queue of
// Hub.Queue messages is full) loses frames up to the next keyframe and goes on from there:
// a slow viewer never slows the recorder or the other viewers.
//
// Decode times: frames arrive in decode order with presentation times. Without B-frames
// the decode time is the presentation time and a frame is sent at once. With B-frames a
// frame's decode time is the k-th smallest presentation time, known once the stream's
// reorder depth D more frames have arrived: frames are held D frames (D is learned:
// a frame presented before one already given a decode time raises it, and viewers
// resume at the next keyframe).
package live

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"custodian/fmp4"
)

// Message kinds of the framed stream.
const (
	KindInit     = 'i'
	KindFragment = 'f'
	KindStatus   = 's'
)

// MaxDepth bounds the learned reorder depth (frames held for their decode time).
const MaxDepth = 16

// DefaultQueue is a viewer's queue length (messages) unless Hub.Queue says otherwise:
// about 6 s of video at 25 frames per second.
const DefaultQueue = 150

// Keepalive is how often an idle stream (a camera not sending) gets a status message.
var Keepalive = 5 * time.Second

// Hub holds every camera's viewers. The zero value is not usable: use NewHub.
type Hub struct {
	// Queue is the messages a viewer may fall behind before it loses frames up to the
	// next keyframe (default DefaultQueue).
	Queue int

	mu   sync.Mutex
	cams map[string]*channel

	dropped atomic.Uint64 // messages dropped for slow viewers
	sent    atomic.Uint64 // messages queued for viewers
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{cams: map[string]*channel{}} }

// Stats are the hub's counters.
type Stats struct {
	Viewers int    `json:"viewers"` // streams open now
	Feeds   int    `json:"feeds"`   // cameras connected now
	Sent    uint64 `json:"sent"`    // messages queued for viewers
	Dropped uint64 `json:"dropped"` // messages dropped for slow viewers
}

// Stats returns the hub's counters.
func (h *Hub) Stats() Stats {
	st := Stats{Sent: h.sent.Load(), Dropped: h.dropped.Load()}
	h.mu.Lock()
	chans := make([]*channel, 0, len(h.cams))
	for _, c := range h.cams {
		chans = append(chans, c)
	}
	h.mu.Unlock()
	for _, c := range chans {
		c.mu.Lock()
		st.Viewers += len(c.subs)
		if c.feed != nil {
			st.Feeds++
		}
		c.mu.Unlock()
	}
	return st
}

func (h *Hub) channel(camera string) *channel {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.cams[camera]
	if c == nil {
		c = &channel{hub: h, camera: camera, subs: map[*sub]struct{}{}}
		h.cams[camera] = c
	}
	return c
}

// channel is one camera's viewers and its current connection.
type channel struct {
	hub    *Hub
	camera string
	nsubs  atomic.Int32 // len(subs), read by the recorder without the lock

	mu      sync.Mutex
	subs    map[*sub]struct{}
	feed    *Feed  // the connection sending now (nil: none)
	init    []byte // the current 'i' message
	initGen uint64 // changes with init
}

// sub is one viewer.
type sub struct {
	ch      chan []byte
	needKey bool   // waiting for a keyframe (starting, or after losing frames)
	initGen uint64 // the init it was sent
}

func (c *channel) add(s *sub) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.subs[s] = struct{}{}
	c.nsubs.Store(int32(len(c.subs)))
	if c.feed == nil {
		c.trySend(s, statusMsg("waiting", "카메라 연결을 기다리는 중", "waiting for the camera"))
	} else {
		c.trySend(s, statusMsg("starting", "다음 키프레임을 기다리는 중", "waiting for the next keyframe"))
	}
}

func (c *channel) remove(s *sub) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.subs, s)
	c.nsubs.Store(int32(len(c.subs)))
}

// trySend queues m for s unless its queue is full. Called with c.mu held.
func (c *channel) trySend(s *sub, m []byte) bool {
	select {
	case s.ch <- m:
		c.hub.sent.Add(1)
		return true
	default:
		c.hub.dropped.Add(1)
		return false
	}
}

// setInit makes init (an 'i' message) current: viewers get it before their next keyframe.
func (c *channel) setInit(f *Feed, m []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.feed != f {
		return
	}
	c.init = m
	c.initGen++
	for s := range c.subs {
		s.needKey = true
	}
}

// broadcast queues a fragment for every viewer that can take it.
func (c *channel) broadcast(f *Feed, m []byte, key bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.feed != f || c.init == nil {
		return
	}
	for s := range c.subs {
		if s.needKey {
			if !key {
				continue
			}
			if s.initGen != c.initGen {
				if !c.trySend(s, c.init) {
					continue
				}
				s.initGen = c.initGen
			}
			s.needKey = false
		}
		if !c.trySend(s, m) {
			s.needKey = true // lost a frame: go on from the next keyframe
		}
	}
}

// resync makes every viewer wait for the next keyframe (the decode times were wrong).
func (c *channel) resync(f *Feed) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.feed != f {
		return
	}
	for s := range c.subs {
		s.needKey = true
	}
}

// Open starts a connection's feed for camera; the recorder calls Close when the
// connection ends. A new feed replaces the camera's previous one.
func (h *Hub) Open(camera string) *Feed {
	c := h.channel(camera)
	f := &Feed{c: c}
	c.mu.Lock()
	c.feed, c.init = f, nil
	c.initGen++
	for s := range c.subs {
		s.needKey = true
	}
	c.mu.Unlock()
	return f
}

// Feed is one camera connection's frames. Its methods are called from the recorder's
// goroutine for that camera, one at a time.
type Feed struct {
	c *channel

	on        bool   // muxing (somebody watched at the last keyframe)
	initRaw   []byte // the init segment the viewers have
	timescale int64
	origin    int64 // presentation time that is decode time 0
	haveOrig  bool
	seq       uint32
	depth     int     // reorder depth: frames held for their decode time
	held      []held  // frames in decode order waiting for their decode time
	pts       []int64 // presentation times not yet used as decode times, sorted
	lastDTS   int64
	emitted   bool
	frameDur  int64
	closed    bool
}

type held struct {
	nalus [][]byte
	pts   int64
	key   bool
}

// Watched reports whether anybody watches the camera now.
func (f *Feed) Watched() bool { return f.c.nsubs.Load() > 0 }

// Frame takes the next recorded frame in decode order: its NAL units (without start
// codes; not kept after the call), its presentation time pts (in the track's timescale)
// and whether it is a keyframe. init is the init segment of the frame's parameters and
// track its description (MuxInit's). It costs nothing while nobody watches.
func (f *Feed) Frame(init []byte, track fmp4.Track, nalus [][]byte, pts int64, key bool) {
	if f.closed {
		return
	}
	if !f.Watched() {
		if f.on {
			f.stop()
		}
		return
	}
	if !f.on {
		if !key {
			return
		}
		f.on = true
	}
	if key && !slices.Equal(init, f.initRaw) {
		f.drain()
		codec, err := fmp4.MIMECodec(track.Codec, track.Config)
		if err != nil {
			f.stop()
			return
		}
		f.initRaw = slices.Clone(init)
		f.timescale = int64(track.Timescale)
		f.c.setInit(f, initMsg(codec, init))
	}
	if f.initRaw == nil {
		return
	}
	if !f.haveOrig {
		// Leading pictures of an open GOP come after their keyframe but are presented
		// before it: one second of room keeps every decode time positive.
		f.origin, f.haveOrig = pts-f.timescale, true
		f.frameDur = f.timescale / 25
	}
	if pts < f.origin || (f.emitted && pts <= f.lastDTS) {
		// Presented before a frame that already has its decode time: the reorder depth is
		// larger than assumed. Hold one more frame from now on; the viewers resume at the
		// next keyframe, whose frames get consistent decode times.
		if f.depth < MaxDepth {
			f.depth++
		}
		f.c.resync(f)
		return
	}
	f.held = append(f.held, held{nalus: nalus, pts: pts, key: key})
	at, _ := slices.BinarySearch(f.pts, pts)
	f.pts = slices.Insert(f.pts, at, pts)
	for len(f.held) > f.depth {
		f.emit()
	}
	if n := len(f.held); n > 0 {
		// The new frame is held (frames leave in order): its NAL units are the
		// recorder's buffers, reused after this call.
		h := &f.held[n-1]
		own := make([][]byte, len(h.nalus))
		for i, u := range h.nalus {
			own[i] = slices.Clone(u)
		}
		h.nalus = own
	}
}

// emit sends the oldest held frame with the smallest unused presentation time as its
// decode time.
func (f *Feed) emit() {
	h := f.held[0]
	f.held = f.held[1:]
	dts := f.pts[0]
	f.pts = f.pts[1:]
	dur := f.frameDur
	if len(f.pts) > 0 && f.pts[0] > dts {
		dur = f.pts[0] - dts
	} else if f.emitted && dts > f.lastDTS && dts-f.lastDTS < 2*f.timescale {
		dur = dts - f.lastDTS
	}
	if f.emitted && dts > f.lastDTS && dts-f.lastDTS < 2*f.timescale {
		f.frameDur = dts - f.lastDTS
	}
	f.lastDTS, f.emitted = dts, true
	f.seq++
	size := 0
	for _, u := range h.nalus {
		size += 4 + len(u)
	}
	m := header(KindFragment, 0, 256+size)
	m = fmp4.AppendFrame(m, f.seq, uint64(dts-f.origin), uint32(max(dur, 1)), int32(h.pts-dts), h.key, h.nalus)
	setLength(m)
	f.c.broadcast(f, m, h.key)
}

// drain sends every held frame (a new init follows, or the connection ends).
func (f *Feed) drain() {
	for len(f.held) > 0 {
		f.emit()
	}
}

// Discontinuity says the next frames' presentation times do not follow the last ones (the
// recorder found a timestamp jump): the held frames are sent, and the viewers start a new
// timeline, with a new init, at the next keyframe.
func (f *Feed) Discontinuity() {
	if f.closed || !f.on {
		return
	}
	f.drain()
	f.stop()
	f.c.resync(f)
}

// stop ends muxing: nobody watches any more.
func (f *Feed) stop() {
	f.on, f.initRaw, f.haveOrig, f.emitted = false, nil, false, false
	f.held, f.pts = nil, nil
}

// Fragment takes the next recorded fragment of an ffmpeg source (a group of pictures
// with its own decode times); in is the stream's init segment. It costs nothing while
// nobody watches.
func (f *Feed) Fragment(in *fmp4.Init, fr *fmp4.Fragment) {
	if f.closed {
		return
	}
	if !f.Watched() {
		f.initRaw = nil
		return
	}
	if !fr.Relocatable() {
		return
	}
	if !slices.Equal(in.Raw, f.initRaw) {
		if !fr.Keyframe {
			return
		}
		codec, err := in.MIMECodec()
		if err != nil {
			return
		}
		f.initRaw = slices.Clone(in.Raw)
		f.c.setInit(f, initMsg(codec, in.Raw))
	}
	m := header(KindFragment, 0, len(fr.Raw))
	m = append(m, fr.Raw...)
	setLength(m)
	f.c.broadcast(f, m, fr.Keyframe)
}

// Close ends the connection: its held frames are sent and the viewers told.
func (f *Feed) Close() {
	if f.closed {
		return
	}
	if f.on {
		f.drain()
	}
	f.closed = true
	c := f.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.feed != f {
		return
	}
	c.feed, c.init = nil, nil
	m := statusMsg("waiting", "카메라 연결이 끊겼습니다: 다시 연결을 기다리는 중", "the camera disconnected: waiting for it to reconnect")
	for s := range c.subs {
		s.needKey = true
		c.trySend(s, m)
	}
}

// Stream writes camera's live view to w as framed messages until ctx ends or a write
// fails, calling flush after each batch. It waits for the camera when it is not
// connected. It satisfies web.LiveSource.
func (h *Hub) Stream(ctx context.Context, w io.Writer, flush func(), camera string) error {
	c := h.channel(camera)
	q := h.Queue
	if q <= 0 {
		q = DefaultQueue
	}
	s := &sub{ch: make(chan []byte, q), needKey: true}
	c.add(s)
	defer c.remove(s)
	idle := time.NewTimer(Keepalive)
	defer idle.Stop()
	live := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-idle.C:
			c.mu.Lock()
			waiting := c.feed == nil
			c.mu.Unlock()
			m := statusMsg("starting", "다음 키프레임을 기다리는 중", "waiting for the next keyframe")
			if waiting {
				m = statusMsg("waiting", "카메라 연결을 기다리는 중", "waiting for the camera")
			}
			live = false
			if _, err := w.Write(m); err != nil {
				return err
			}
			flush()
			idle.Reset(Keepalive)
		case m := <-s.ch:
			if !live && m[0] == KindFragment {
				live = true
				if _, err := w.Write(statusMsg("live", "실시간", "live")); err != nil {
					return err
				}
			}
			if _, err := w.Write(m); err != nil {
				return err
			}
			// Write what else is queued before flushing: one flush per batch.
			for more := true; more; {
				select {
				case m := <-s.ch:
					if _, err := w.Write(m); err != nil {
						return err
					}
				default:
					more = false
				}
			}
			flush()
			idle.Reset(Keepalive)
		}
	}
}

// header returns a message of kind with room for n payload bytes; setLength fills in
// the length once the payload is appended.
func header(kind byte, n, capacity int) []byte {
	m := make([]byte, 5, 5+capacity)
	m[0] = kind
	binary.BigEndian.PutUint32(m[1:], uint32(n))
	return m
}

func setLength(m []byte) { binary.BigEndian.PutUint32(m[1:], uint32(len(m)-5)) }

func initMsg(codec string, init []byte) []byte {
	m := header(KindInit, 0, 1+len(codec)+len(init))
	m = append(m, byte(len(codec)))
	m = append(m, codec...)
	m = append(m, init...)
	setLength(m)
	return m
}

func statusMsg(state, ko, en string) []byte {
	b, _ := json.Marshal(struct {
		State string `json:"state"`
		Ko    string `json:"ko"`
		En    string `json:"en"`
	}{state, ko, en})
	m := header(KindStatus, 0, len(b))
	m = append(m, b...)
	setLength(m)
	return m
}

// ReadMessage reads one message of a live stream: its kind and its payload. A client
// (a test, a benchmark, a tool) reads a stream with it until an error.
func ReadMessage(r io.Reader) (kind byte, payload []byte, err error) {
	var h [5]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	payload = make([]byte, binary.BigEndian.Uint32(h[1:]))
	if _, err := io.ReadFull(r, payload); err != nil {
		return 0, nil, err
	}
	return h[0], payload, nil
}
