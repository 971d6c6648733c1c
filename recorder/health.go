package recorder

import (
	"sync"
	"sync/atomic"
	"time"

	"custodian"
)

// Camera states.
const (
	StateConnecting = "connecting"
	StateRecording  = "recording"
	StateFailing    = "failing"
	StateStopped    = "stopped"
)

// Status is one camera's health (PRODUCT.md capability 8), as `custodian cameras status`,
// /metrics and the console show it.
type Status struct {
	Camera string `json:"camera"`
	Group  string `json:"group"`
	Source string `json:"source"` // the URL without credentials
	Kind   string `json:"kind"`   // rtsp | ffmpeg
	State  string `json:"state"`
	// Reason says why a camera is failing (Korean and English).
	Reason   string    `json:"reason,omitempty"`
	ReasonEn string    `json:"reason_en,omitempty"`
	Since    time.Time `json:"since"` // when the state began

	Codec  string `json:"codec,omitempty"`
	Width  int    `json:"width,omitempty"`
	Height int    `json:"height,omitempty"`
	// AudioOffered: the camera offers an audio track, which is never recorded (PIPA
	// Art. 25(5)).
	AudioOffered bool `json:"audio_offered,omitempty"`

	FrameRate float64   `json:"frame_rate"`   // frames per second over the last interval
	Bitrate   float64   `json:"bitrate"`      // bits per second of video over the last interval
	LastFrame time.Time `json:"last_frame"`   // arrival of the last frame
	Frames    uint64    `json:"frames"`       // frames recorded since the recorder started
	Packets   uint64    `json:"packets"`      // RTP packets received
	Lost      uint64    `json:"lost_packets"` // RTP packets missing (sequence gaps)
	Dropped   uint64    `json:"dropped_frames"`
	Waiting   uint64    `json:"frames_before_keyframe"` // frames dropped waiting for a keyframe
	// Undecodable counts the frames dropped because they cannot be decoded: headers that
	// do not parse, packets the depacketiser refused, and the inter frames after such a
	// frame up to the next good keyframe (docs/design/recording.md, "Undecodable frames").
	Undecodable uint64 `json:"undecodable_frames"`
	Jumps       uint64 `json:"timestamp_jumps"`
	Gaps        uint64 `json:"gaps"`        // times the footage was interrupted (reconnects, jumps)
	Reconnect   uint64 `json:"connections"` // successful connections
	Segments    uint64 `json:"segments"`
	Bytes       uint64 `json:"bytes"` // bytes of footage stored
	// LagMs is the time from the arrival of a segment's last frame to its durable commit,
	// for the last segment.
	LagMs float64 `json:"commit_lag_ms"`
	// ClockOffset is the camera's clock (RTCP sender reports) minus the server's.
	ClockOffset string `json:"camera_clock_offset,omitempty"`
	// Notes are one-off observations ("audio offered, not recorded").
	Notes []string `json:"notes,omitempty"`
}

// counters are a camera's live figures, updated by its worker and read by Status.
type counters struct {
	frames, packets, lost, dropped, waiting, jumps, gaps, conns, segments, bytes, videoBytes, undecodable atomic.Uint64

	mu     sync.Mutex
	st     Status
	notes  map[string]bool
	rateAt time.Time
	rateF  uint64
	rateB  uint64
	now    func() time.Time
}

func newCounters(camera, group, source, kind string, now func() time.Time) *counters {
	return &counters{st: Status{Camera: camera, Group: group, Source: source, Kind: kind, State: StateConnecting, Since: now()},
		notes: map[string]bool{}, now: now, rateAt: now()}
}

func (c *counters) add(v *atomic.Uint64, n uint64) { v.Add(n) }

// setState changes the state; a failing state carries a reason.
func (c *counters) setState(state string, reason *custodian.Error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ko, en := "", ""
	if reason != nil {
		ko, en = reason.Ko, reason.En
	}
	if c.st.State != state || c.st.Reason != ko {
		c.st.State, c.st.Since = state, c.now()
	}
	c.st.Reason, c.st.ReasonEn = ko, en
}

func (c *counters) state() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st.State
}

// note records a one-off observation once.
func (c *counters) note(key, text string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.notes[key] {
		c.notes[key] = true
		c.st.Notes = append(c.st.Notes, text)
	}
}

// setFormat notes the video's codec and size (when codec is set) and that audio is
// offered (when audio).
func (c *counters) setFormat(codec string, w, h int, audio bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if codec != "" {
		c.st.Codec, c.st.Width, c.st.Height = codec, w, h
	}
	if audio {
		c.st.AudioOffered = true
	}
}

func (c *counters) frame(arrival time.Time, size int) {
	c.frames.Add(1)
	c.videoBytes.Add(uint64(size))
	c.mu.Lock()
	c.st.LastFrame = arrival
	c.mu.Unlock()
}

func (c *counters) segment(s *custodian.Segment) {
	c.segments.Add(1)
	c.mu.Lock()
	c.st.LagMs = float64(c.now().Sub(s.End).Microseconds()) / 1000
	c.mu.Unlock()
}

func (c *counters) setClockOffset(d time.Duration) {
	c.mu.Lock()
	c.st.ClockOffset = d.Round(time.Millisecond).String()
	c.mu.Unlock()
}

// snapshot returns the status, with rates over the time since the previous snapshot.
func (c *counters) snapshot() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	f, b := c.frames.Load(), c.videoBytes.Load()
	if el := now.Sub(c.rateAt).Seconds(); el >= 1 {
		c.st.FrameRate = float64(f-c.rateF) / el
		c.st.Bitrate = float64(b-c.rateB) * 8 / el
		c.rateAt, c.rateF, c.rateB = now, f, b
	}
	st := c.st
	st.Frames, st.Packets, st.Lost, st.Dropped = f, c.packets.Load(), c.lost.Load(), c.dropped.Load()
	st.Waiting, st.Jumps, st.Gaps, st.Reconnect = c.waiting.Load(), c.jumps.Load(), c.gaps.Load(), c.conns.Load()
	st.Segments, st.Bytes = c.segments.Load(), c.bytes.Load()
	st.Undecodable = c.undecodable.Load()
	st.Dropped += st.Undecodable
	st.Notes = append([]string(nil), c.st.Notes...)
	return st
}
