// Package mask renders masked copies of footage (docs/design/masking.md, "Rendering"): an
// MP4 is decoded by ffmpeg through pipes to packed BGR frames, the people (and faces) that
// opencv's detectors find are followed by track's tracker, every masked box is pixelated
// with large blocks (or filled), and the frames are encoded again with libx264 by a second
// ffmpeg, through pipes, into a fragmented MP4 without sound. Nothing is written to disk:
// decoded frames stay in memory (the tracker's lag of them at most, plus a few in flight).
package mask

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"custodian"
	"custodian/ffmpeg"
	"custodian/opencv"
	"custodian/track"
)

// Version names the recipe's format.
const Version = "custodian-mask/1"

// DefaultBlock is the side of a pixelation block in pixels.
const DefaultBlock = 16

// MinBlock is the smallest block allowed: smaller blocks start to show faces.
const MinBlock = 8

// FillColor is the colour of a solid fill (mid grey), as BGR.
var FillColor = [3]byte{0x80, 0x80, 0x80}

// The encoder's settings (the same for the floor: Transcode).
const (
	Preset = "veryfast"
	CRF    = 23
)

// Options are a render's settings. The zero value masks everyone found, with the default
// detector thresholds, tracker parameters and block size.
type Options struct {
	// ModelDir is the detector models' directory (opencv.Open): without the YOLOX file
	// the HOG + MOG2 fallback runs, and the report says so.
	ModelDir string `json:"model_dir"`
	// Detector are the detectors' thresholds (zero fields: opencv.Defaults).
	Detector opencv.Options `json:"detector"`
	// Track are the tracker's parameters (zero: track.DefaultParams); DetectEvery is k,
	// the detectors run on every k-th frame.
	Track track.Params `json:"track"`
	// Block is the side of a pixelation block in pixels (0: DefaultBlock; at least MinBlock).
	Block int `json:"block"`
	// Fill fills masked boxes with FillColor instead of pixelating them.
	Fill bool `json:"fill"`
	// Keep are the person tracks kept clear (the requester), by the IDs a render of the
	// same footage with the same settings gives (Report.Tracks).
	Keep []int `json:"keep"`
	// Duration is the input's expected length, for Progress's total (0: unknown).
	Duration time.Duration `json:"-"`
	// Progress, when set, is called as frames are written.
	Progress func(Progress) `json:"-"`
	// Frame, when set, is called for each frame written, in order, with the boxes masked
	// on it (a preview's overlay, a reviewer's check).
	Frame func(frame int, masks []track.Mask) `json:"-"`
}

// Progress is how far a render is: frames written, of Total (0 when unknown).
type Progress struct {
	Frames, Total int
}

// Model is a detector model file a render used.
type Model struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Thresholds are the detectors' settings, defaults filled.
type Thresholds struct {
	PersonScore   float32 `json:"person_score"`
	PersonNMS     float32 `json:"person_nms"`
	FaceScore     float32 `json:"face_score"`
	FaceNMS       float32 `json:"face_nms"`
	HOGScale      float64 `json:"hog_scale"`
	HOGHit        float64 `json:"hog_hit"`
	HOGUpscale    float64 `json:"hog_upscale"`
	MotionMinArea float64 `json:"motion_min_area"`
	MotionHistory int     `json:"motion_history"`
	MotionVar     float64 `json:"motion_var"`
	MotionDilate  int     `json:"motion_dilate"`
}

// Recipe is how a masked file was made: what detected, with which models and settings,
// how boxes were masked, and which tracks were kept clear. It goes into the export's
// manifest.
type Recipe struct {
	Version    string       `json:"version"`
	Detector   string       `json:"detector"` // "yolox-nano" or "hog+mog2"
	Faces      bool         `json:"faces"`    // the face detector ran
	Models     []Model      `json:"models"`
	Thresholds Thresholds   `json:"thresholds"`
	Track      track.Params `json:"track"`
	Method     string       `json:"method"` // "pixelate" or "fill"
	Block      int          `json:"block"`  // pixels
	Fill       string       `json:"fill,omitempty"`
	Keep       []int        `json:"keep"`
	Encoder    string       `json:"encoder"`
}

// Coverage is what a render did, for the coverage report shown before approval.
type Coverage struct {
	// Detector is the detectors' report line (a fallback to HOG + MOG2 is said here).
	Detector string  `json:"detector"`
	Fallback bool    `json:"fallback"`
	Width    int     `json:"width"`
	Height   int     `json:"height"`
	FPS      float64 `json:"fps"`
	// Frames are the frames written; DetectionFrames those the detectors ran on.
	Frames          int `json:"frames"`
	DetectionFrames int `json:"detection_frames"`
	// FramesWithDetections are detection frames with at least one person or face found;
	// PersonDetections and FaceDetections count the boxes found.
	FramesWithDetections int `json:"frames_with_detections"`
	PersonDetections     int `json:"person_detections"`
	FaceDetections       int `json:"face_detections"`
	// Tracks are the tracks born (people and faces).
	Tracks int `json:"tracks"`
	// FramesMasked have at least one mask; FramesTrackingOnly at least one mask on a box
	// the detector did not find on that frame (covered by tracking only).
	FramesMasked       int `json:"frames_masked"`
	FramesTrackingOnly int `json:"frames_tracking_only"`
	Masks              int `json:"masks"`
	TrackingOnlyMasks  int `json:"tracking_only_masks"`
	// MaskedShare is the share of all pixels of all frames that were masked (0–1).
	MaskedShare float64 `json:"masked_share"`
	// KeptFrames are frames on which a kept track had a box (left clear).
	KeptFrames int `json:"kept_frames"`
}

// Report is a render's recipe and coverage. Tracks (not in JSON) are the tracks found,
// for choosing who to keep clear.
type Report struct {
	Recipe   Recipe        `json:"recipe"`
	Coverage Coverage      `json:"coverage"`
	Tracks   []track.Track `json:"-"`
}

// thresholds fills o's zero fields from opencv.Defaults, as opencv does.
func thresholds(o opencv.Options) Thresholds {
	d := opencv.Defaults
	f32 := func(v, def float32) float32 {
		if v == 0 {
			return def
		}
		return v
	}
	f64 := func(v, def float64) float64 {
		if v == 0 {
			return def
		}
		return v
	}
	in := func(v, def int) int {
		if v == 0 {
			return def
		}
		return v
	}
	return Thresholds{PersonScore: f32(o.PersonScore, d.PersonScore), PersonNMS: f32(o.PersonNMS, d.PersonNMS),
		FaceScore: f32(o.FaceScore, d.FaceScore), FaceNMS: f32(o.FaceNMS, d.FaceNMS),
		HOGScale: f64(o.HOGScale, d.HOGScale), HOGHit: o.HOGHit, HOGUpscale: f64(o.HOGUpscale, d.HOGUpscale),
		MotionMinArea: f64(o.MotionMinArea, d.MotionMinArea), MotionHistory: in(o.MotionHistory, d.MotionHistory),
		MotionVar: f64(o.MotionVar, d.MotionVar), MotionDilate: in(o.MotionDilate, d.MotionDilate)}
}

// check fills defaults and checks the options.
func (o Options) check() (Options, error) {
	if o.Track == (track.Params{}) {
		o.Track = track.DefaultParams()
	}
	if err := o.Track.Validate(); err != nil {
		return o, err
	}
	if o.Block == 0 {
		o.Block = DefaultBlock
	}
	if o.Block < MinBlock || o.Block > 256 {
		return o, custodian.Errorf(custodian.EINVALID, "모자이크 블록 크기 %d가 잘못되었습니다 (%d–256 픽셀)",
			"mask block size %d is invalid (%d–256 pixels)", o.Block, MinBlock)
	}
	for _, id := range o.Keep {
		if id < 1 {
			return o, custodian.Errorf(custodian.EINVALID, "남길 추적 번호 %d가 잘못되었습니다 (1 이상)",
				"kept track %d is invalid (1 or more)", id)
		}
	}
	if o.Duration < 0 {
		return o, custodian.Errorf(custodian.EINVALID, "길이 %v가 음수입니다", "duration %v is negative", o.Duration)
	}
	return o, nil
}

// EncoderArgs are libx264's settings, the same for a masked render and the floor.
func EncoderArgs() []string {
	return []string{"-an", "-sn", "-dn", "-c:v", "libx264", "-preset", Preset, "-crf", strconv.Itoa(CRF), "-pix_fmt", "yuv420p",
		"-movflags", "frag_keyframe+empty_moov+default_base_moof", "-f", "mp4", "pipe:1"}
}

func encoderLine() string {
	return fmt.Sprintf("libx264 preset %s crf %d yuv420p, fragmented MP4, no audio", Preset, CRF)
}

// probeSize is how much of the input is read to find its video's size and rate.
const probeSize = 2 << 20

// videoInfo is what ffprobe says about the input's first video stream.
type videoInfo struct {
	Width, Height int
	FPS           float64
	Rate          string // "num/den", for ffmpeg
}

// probe reads the start of in (kept in memory) and asks ffprobe for its video's size and
// frame rate; it returns the bytes read, to be decoded first.
func probe(ctx context.Context, in io.Reader) ([]byte, *videoInfo, error) {
	head := make([]byte, probeSize)
	n, err := io.ReadFull(in, head)
	head = head[:n]
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, nil, err
	}
	if n == 0 {
		return nil, nil, custodian.Errorf(custodian.EINVALID, "가릴 영상이 비어 있습니다", "the video to mask is empty")
	}
	cmd := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-hide_banner", "-protocol_whitelist", "pipe",
		"-format_whitelist", "mov", "-select_streams", "v:0",
		"-show_entries", "stream=width,height,r_frame_rate,avg_frame_rate", "-of", "json", "-i", "pipe:0")
	cmd.Stdin = bytes.NewReader(head)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	runErr := cmd.Run()
	if ctx.Err() != nil {
		return nil, nil, ctx.Err()
	}
	var p struct {
		Streams []struct {
			Width        int    `json:"width"`
			Height       int    `json:"height"`
			RFrameRate   string `json:"r_frame_rate"`
			AvgFrameRate string `json:"avg_frame_rate"`
		} `json:"streams"`
	}
	if jerr := json.Unmarshal(out.Bytes(), &p); jerr != nil || len(p.Streams) == 0 || p.Streams[0].Width <= 0 || p.Streams[0].Height <= 0 {
		why := strings.TrimSpace(stderr.String())
		if why == "" && runErr != nil {
			why = runErr.Error()
		}
		if why == "" {
			why = "no video stream"
		}
		return nil, nil, custodian.Errorf(custodian.EINVALID, "가릴 영상을 MP4로 읽지 못했습니다: %s",
			"cannot read the video to mask as an MP4: %s", custodian.Clip(why, 300))
	}
	s := p.Streams[0]
	v := &videoInfo{Width: s.Width, Height: s.Height, Rate: s.RFrameRate, FPS: ffmpeg.FrameRate(s.RFrameRate)}
	if v.FPS <= 0 || v.FPS > 240 {
		v.Rate, v.FPS = s.AvgFrameRate, ffmpeg.FrameRate(s.AvgFrameRate)
	}
	if v.FPS <= 0 || v.FPS > 240 {
		return nil, nil, custodian.Errorf(custodian.EINVALID, "가릴 영상의 프레임 속도를 알 수 없습니다 (%q)",
			"the video to mask has no usable frame rate (%q)", s.RFrameRate)
	}
	if v.Width > 16384 || v.Height > 16384 || v.Width%2 != 0 || v.Height%2 != 0 {
		return nil, nil, custodian.Errorf(custodian.EINVALID, "가릴 영상의 크기 %d×%d를 처리할 수 없습니다",
			"cannot mask a video of %d×%d", v.Width, v.Height)
	}
	return head, v, nil
}

// tail keeps the last bytes of a program's stderr.
type tail struct {
	mu sync.Mutex
	b  []byte
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, b...)
	if len(t.b) > 2048 {
		t.b = append(t.b[:0], t.b[len(t.b)-2048:]...)
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(strings.ToValidUTF8(string(t.b), "?"))
}

func failed(what string, err error, stderr *tail) error {
	msg := stderr.String()
	if msg == "" {
		msg = err.Error()
	}
	return custodian.Errorf(custodian.EINVALID, "%s ffmpeg가 실패했습니다: %s", "the %s ffmpeg failed: %s", what, custodian.Clip(msg, 400))
}

// ceilDiv is ⌈a/b⌉ for positive b.
func ceilDiv(a, b int) int { return (a + b - 1) / b }

// clampInt bounds v to [lo, hi].
func clampInt(v, lo, hi int) int { return max(lo, min(v, hi)) }

// floorInt is ⌊v⌋ as an int (v finite).
func floorInt(v float64) int { return int(math.Floor(v)) }
