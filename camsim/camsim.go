// Package camsim simulates IP cameras: an RTSP server (package rtsp) that serves N cameras,
// rtsp://HOST/cam1 … camN, from one H.264 or H.265 video file, looping it with real-time
// pacing, as a real camera sends: frames in decode order at their decode times, RTP
// timestamps that keep increasing across loops (no gap at the loop point), and keyframes
// carrying their parameter sets. It is for the demo, the tests and the benchmarks.
//
// The file is read once (ffmpeg extracts its video as Annex B; ffprobe its timestamps) and
// packetised once; every camera sends the same packets with its own SSRC, sequence numbers
// and timestamps, starting at a different point of the loop so that the cameras' keyframes
// (and so their segment boundaries) are spread over time.
package camsim

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"custodian"
	"custodian/codec"
	"custodian/codec/h264"
	"custodian/codec/h265"
	"custodian/ffmpeg"
	"custodian/rtsp"
)

// clockRate is the RTP clock of video.
const clockRate = 90000

// payloadType is the dynamic RTP payload type the simulated cameras use.
const payloadType = 96

// Footage is a video file prepared for serving: its frames packetised once.
type Footage struct {
	Codec  string // "H264" or "H265"
	Width  int
	Height int
	frames []simFrame
	period int64 // ticks of one loop (the file's duration)
	params [][]byte
	sdp    func(path string) []byte
	bytes  int64      // video bytes of one loop
	units  [][][]byte // the access units, for FaultCorrupt
}

type simFrame struct {
	// pts is the presentation time in ticks from the file's start; send is when a camera
	// sends the frame: once it and every frame before it in decode order have been
	// filmed (the largest presentation time so far), as an encoder with B-frames must.
	pts, send int64
	pkts      [][]byte // marshalled RTP packets (sequence numbers and timestamp to be rewritten)
	key       bool
}

// Duration returns the length of one loop; Bitrate its average bit rate.
func (f *Footage) Duration() time.Duration {
	return time.Duration(f.period) * time.Second / clockRate
}
func (f *Footage) Bitrate() float64 { return float64(f.bytes) * 8 / f.Duration().Seconds() }

// Frames returns the number of frames of one loop.
func (f *Footage) Frames() int { return len(f.frames) }

// Load reads a video file (H.264 or H.265) for serving.
func Load(ctx context.Context, file string) (*Footage, error) {
	info, err := ffmpeg.Probe(ctx, file)
	if err != nil {
		return nil, err
	}
	v := info.Video
	if v == nil || (v.Codec != "h264" && v.Codec != "hevc") {
		return nil, custodian.Errorf(custodian.EINVALID, "%s: H.264이나 H.265 영상이 없습니다", "%s: no H.264 or H.265 video", file)
	}
	hevc := v.Codec == "hevc"
	bsf, format := "h264_mp4toannexb", "h264"
	if hevc {
		bsf, format = "hevc_mp4toannexb", "hevc"
	}
	annexb, err := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-v", "error", "-i", file, "-map", fmt.Sprintf("0:%d", v.Index),
		"-c:v", "copy", "-bsf:v", bsf, "-f", format, "-").Output()
	if err != nil {
		return nil, custodian.Errorf(custodian.EINVALID, "%s: ffmpeg가 영상을 꺼내지 못했습니다: %w", "%s: ffmpeg could not extract the video: %w", file, err)
	}
	times, err := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-select_streams", strconv.Itoa(v.Index),
		"-show_entries", "packet=pts_time,dts_time", "-of", "csv=p=0", file).Output()
	if err != nil {
		return nil, custodian.Errorf(custodian.EINVALID, "%s: ffprobe가 시각을 읽지 못했습니다: %w", "%s: ffprobe could not read the timestamps: %w", file, err)
	}
	var units [][][]byte
	var keys []bool
	if hevc {
		units = h265.AccessUnits(codec.SplitAnnexB(annexb))
		for _, u := range units {
			keys = append(keys, h265.Key(u))
		}
	} else {
		units = h264.AccessUnits(codec.SplitAnnexB(annexb))
		for _, u := range units {
			keys = append(keys, h264.Key(u))
		}
	}
	var pts, dts []int64
	for _, l := range strings.Fields(string(times)) {
		p, d, _ := strings.Cut(l, ",")
		pv, err1 := strconv.ParseFloat(p, 64)
		dv, err2 := strconv.ParseFloat(strings.TrimSuffix(d, ","), 64)
		if err1 != nil || err2 != nil {
			return nil, custodian.Errorf(custodian.EINVALID, "%s: 시각 %q를 읽을 수 없습니다", "%s: cannot read the timestamp %q", file, l)
		}
		pts = append(pts, int64(math.Round(pv*clockRate)))
		dts = append(dts, int64(math.Round(dv*clockRate)))
	}
	if len(units) == 0 || len(units) != len(pts) || !keys[0] {
		return nil, custodian.Errorf(custodian.EINVALID, "%s: 프레임 %d개와 시각 %d개가 맞지 않습니다", "%s: %d frames but %d timestamps", file, len(units), len(pts))
	}
	codecName := "H264"
	if hevc {
		codecName = "H265"
	}
	return build(codecName, v.Width, v.Height, units, keys, pts, dts), nil
}

// build packetises access units (in decode order, with their presentation and decode
// times in 90 kHz ticks) for serving.
func build(codecName string, width, height int, units [][][]byte, keys []bool, pts, dts []int64) *Footage {
	hevc := codecName == "H265"
	f := &Footage{Codec: codecName, Width: width, Height: height, units: units}
	// Times from the first frame's decode time; the loop lasts until one frame after
	// the last frame presented.
	firstPTS, lastPTS := pts[0], pts[0]
	for i := range units {
		firstPTS, lastPTS = min(firstPTS, pts[i]), max(lastPTS, pts[i])
	}
	frameDur := int64(clockRate / 10)
	if len(dts) > 1 {
		frameDur = (dts[len(dts)-1] - dts[0]) / int64(len(dts)-1)
	}
	// One loop presents every frame once: from the first presentation time to one frame
	// after the last (the delay between decode and presentation, with B-frames, is not
	// part of it).
	f.period = lastPTS - firstPTS + frameDur
	var pk interface {
		Packetize(nalus [][]byte, ts uint32) [][]byte
	}
	if hevc {
		pk = &h265.Packetizer{PayloadType: payloadType, MTU: 1400}
	} else {
		pk = &h264.Packetizer{PayloadType: payloadType, MTU: 1400}
	}
	var send int64
	for i, u := range units {
		send = max(send, pts[i]-firstPTS)
		fr := simFrame{pts: pts[i] - firstPTS, send: send, key: keys[i]}
		for _, p := range pk.Packetize(u, 0) {
			fr.pkts = append(fr.pkts, bytes.Clone(p))
		}
		for _, n := range u {
			f.bytes += int64(len(n))
		}
		f.frames = append(f.frames, fr)
	}
	// Parameter sets for the SDP, from the first keyframe.
	var sprop []string
	if hevc {
		var vps, sps, pps string
		for _, n := range units[0] {
			switch h265.NALUType(n) {
			case h265.NALUTypeVPS:
				vps = base64.StdEncoding.EncodeToString(n)
			case h265.NALUTypeSPS:
				sps = base64.StdEncoding.EncodeToString(n)
			case h265.NALUTypePPS:
				pps = base64.StdEncoding.EncodeToString(n)
			}
		}
		sprop = []string{"sprop-vps=" + vps, "sprop-sps=" + sps, "sprop-pps=" + pps}
	} else {
		var sets []string
		var profile string
		for _, n := range units[0] {
			switch h264.NALUType(n) {
			case h264.NALUTypeSPS:
				sets = append(sets, base64.StdEncoding.EncodeToString(n))
				if len(n) >= 4 {
					profile = fmt.Sprintf("%02x%02x%02x", n[1], n[2], n[3])
				}
			case h264.NALUTypePPS:
				sets = append(sets, base64.StdEncoding.EncodeToString(n))
			}
		}
		sprop = []string{"packetization-mode=1", "profile-level-id=" + profile, "sprop-parameter-sets=" + strings.Join(sets, ",")}
	}
	enc := "H264"
	if hevc {
		enc = "H265"
	}
	f.sdp = func(path string) []byte {
		return []byte("v=0\r\n" +
			"o=- 0 0 IN IP4 127.0.0.1\r\n" +
			"s=Custodian camsim " + path + "\r\n" +
			"c=IN IP4 0.0.0.0\r\n" +
			"t=0 0\r\n" +
			"a=control:*\r\n" +
			"m=video 0 RTP/AVP " + strconv.Itoa(payloadType) + "\r\n" +
			"a=rtpmap:" + strconv.Itoa(payloadType) + " " + enc + "/90000\r\n" +
			"a=fmtp:" + strconv.Itoa(payloadType) + " " + strings.Join(sprop, ";") + "\r\n" +
			"a=control:trackID=0\r\n")
	}
	return f
}

// Options configure a Server.
type Options struct {
	Cameras int // number of cameras, cam1 … camN
	// User and Password, when set, are required of clients (Digest or Basic).
	User, Password string
	// Spread starts camera i at an offset of i/N of the loop (on a keyframe), so that the
	// cameras' keyframes are spread; otherwise all start at the beginning.
	Spread bool
	// OfferAudio adds an audio track to the session description, as many cameras do
	// (a recorder must not set it up: PIPA Art. 25(5)); SETUP of it is refused.
	OfferAudio bool
	// Faults make some cameras misbehave after FaultAfter (default 3 s), for tests and
	// demonstrations of health reporting: camera number → fault.
	Faults     map[int]Fault
	FaultAfter time.Duration
	// FaultFor, if set, ends the faults FaultCorrupt and FaultGarbage after this long: the
	// camera then sends good frames again.
	FaultFor time.Duration
	Logf     func(format string, args ...any)
}

// Fault is a way a camera misbehaves.
type Fault string

// Faults.
const (
	FaultGarbage Fault = "garbage" // RTP packets whose payloads are random bytes
	FaultStall   Fault = "stall"   // stops sending, keeps the connection open
	FaultLie     Fault = "lie"     // timestamps jump an hour ahead every 3 s
	FaultCut     Fault = "cut"     // closes the connection in the middle of a frame
	// FaultCorrupt sends well-formed packets of pictures whose slices are garbage (the
	// NAL unit headers kept, the rest random; see Corrupt).
	FaultCorrupt Fault = "corrupt"
)

// ParseFault reads a fault's name.
func ParseFault(s string) (Fault, error) {
	switch f := Fault(s); f {
	case FaultGarbage, FaultStall, FaultLie, FaultCut, FaultCorrupt:
		return f, nil
	}
	return "", custodian.Errorf(custodian.EINVALID, "알 수 없는 결함 %q (garbage, stall, lie, cut, corrupt)", "unknown fault %q (garbage, stall, lie, cut, corrupt)", s)
}

// Server serves simulated cameras over RTSP.
type Server struct {
	footage *Footage
	opt     Options
	srv     *rtsp.Server
	// Sent counts the RTP packets sent by all cameras, Frames the frames; Late the frames
	// sent more than a frame interval after their time (the simulator, or a client that
	// does not read fast enough, could not keep up); Corrupted the frames sent garbled by
	// FaultCorrupt.
	Sent, Frames, Late, Corrupted atomic.Uint64
}

// NewServer returns a server of opt.Cameras cameras playing f.
func NewServer(f *Footage, opt Options) (*Server, error) {
	if opt.Cameras < 1 {
		return nil, custodian.Errorf(custodian.EINVALID, "카메라 수는 1 이상이어야 합니다 (%d)", "the number of cameras must be at least 1 (%d)", opt.Cameras)
	}
	s := &Server{footage: f, opt: opt}
	s.srv = &rtsp.Server{Handler: s, User: opt.User, Password: opt.Password, Logf: opt.Logf}
	return s, nil
}

// Footage returns what the server plays.
func (s *Server) Footage() *Footage { return s.footage }

// Serve accepts connections on l until Close.
func (s *Server) Serve(l net.Listener) error { return s.srv.Serve(l) }

// Close stops the server and every stream.
func (s *Server) Close() error { return s.srv.Close() }

// camera returns the camera number of a path "/camN", or 0.
func (s *Server) camera(path string) int {
	path = strings.TrimSuffix(strings.TrimPrefix(path, "/"), "/")
	n, err := strconv.Atoi(strings.TrimPrefix(path, "cam"))
	if !strings.HasPrefix(path, "cam") || err != nil || n < 1 || n > s.opt.Cameras {
		return 0
	}
	return n
}

// Describe implements rtsp.ServerHandler.
func (s *Server) Describe(path string) ([]byte, error) {
	if s.camera(path) == 0 {
		return nil, custodian.Errorf(custodian.ENOTFOUND, "카메라 %s가 없습니다 (cam1 … cam%d)", "no camera %s (cam1 … cam%d)", path, s.opt.Cameras)
	}
	sdp := s.footage.sdp(path)
	if s.opt.OfferAudio {
		sdp = append(sdp, "m=audio 0 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=control:trackID=1\r\n"...)
	}
	return sdp, nil
}

// Play implements rtsp.ServerHandler: it starts the camera's stream.
func (s *Server) Play(path string, sess *rtsp.ServerSession) error {
	n := s.camera(path)
	if n == 0 {
		return custodian.Errorf(custodian.ENOTFOUND, "카메라 %s가 없습니다", "no camera %s", path)
	}
	start := 0
	if s.opt.Spread && s.opt.Cameras > 1 {
		start = s.footage.keyframeNear(len(s.footage.frames) * (n - 1) / s.opt.Cameras)
	}
	go s.stream(n, start, sess)
	return nil
}

// keyframeNear returns the index of the last keyframe at or before i.
func (f *Footage) keyframeNear(i int) int {
	for ; i > 0; i-- {
		if f.frames[i].key {
			return i
		}
	}
	return 0
}

// stream sends the footage to one client from frame start, looping, paced in real time,
// until the session ends.
func (s *Server) stream(cam, start int, sess *rtsp.ServerSession) {
	f := s.footage
	ssrc := uint32(0x43550000) + uint32(cam)
	seq := uint16(cam * 1000)
	ts0 := uint32(cam) * 0x01000000 // each camera's timestamps start elsewhere
	ch := sess.RTPChannel()
	var buf []byte
	var out [][]byte
	fault := s.opt.Faults[cam]
	faultAfter := s.opt.FaultAfter
	if faultAfter <= 0 {
		faultAfter = 3 * time.Second
	}
	var lie uint32
	lastLie := time.Now()
	rng := rand.New(rand.NewPCG(uint64(cam), 1))
	t0 := time.Now()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	frameDur := f.period / int64(max(len(f.frames), 1))
	offset := f.frames[start].send // the loop time that is t0
	for loop := int64(0); ; loop++ {
		for i := range f.frames {
			if loop == 0 && i < start {
				continue
			}
			fr := &f.frames[i]
			at := loop*f.period + fr.send - offset // ticks since t0
			due := t0.Add(time.Duration(at) * time.Second / clockRate)
			if d := time.Until(due); d > 0 {
				timer.Reset(d)
				select {
				case <-sess.Done():
					return
				case <-timer.C:
				}
			} else if -d > time.Duration(frameDur)*time.Second/clockRate {
				s.Late.Add(1)
			}
			since := time.Since(t0)
			faulty := fault != "" && since > faultAfter
			if (fault == FaultCorrupt || fault == FaultGarbage) && s.opt.FaultFor > 0 && since > faultAfter+s.opt.FaultFor {
				faulty = false
			}
			if faulty && fault == FaultStall {
				<-sess.Done()
				return
			}
			if faulty && fault == FaultLie && time.Since(lastLie) > 3*time.Second {
				lie += 3600 * clockRate
				lastLie = time.Now()
			}
			ts := ts0 + uint32(loop*f.period+fr.pts-offset) + lie
			buf, out = buf[:0], out[:0]
			pkts := fr.pkts
			if faulty && fault == FaultCorrupt {
				pkts = s.corrupt(i, loop)
				s.Corrupted.Add(1)
			}
			for _, p := range pkts {
				at := len(buf)
				buf = append(buf, p...)
				q := buf[at:]
				binary.BigEndian.PutUint16(q[2:], seq)
				binary.BigEndian.PutUint32(q[4:], ts)
				binary.BigEndian.PutUint32(q[8:], ssrc)
				seq++
			}
			at0 := 0
			for _, p := range pkts {
				out = append(out, buf[at0:at0+len(p)])
				at0 += len(p)
			}
			if faulty && fault == FaultGarbage {
				for _, p := range out {
					for k := 12; k < len(p); k++ {
						p[k] = byte(rng.Uint32())
					}
				}
			}
			if faulty && fault == FaultCut && len(out) > 1 {
				sess.WritePackets(ch, out[:len(out)/2])
				sess.Close()
				return
			}
			if err := sess.WritePackets(ch, out); err != nil {
				return
			}
			s.Sent.Add(uint64(len(out)))
			s.Frames.Add(1)
		}
	}
}

// corrupt returns the packets of frame i of the loop with its slices garbled (Corrupt,
// seeded by the frame's place in the footage, so that a run is repeatable).
func (s *Server) corrupt(i int, loop int64) [][]byte {
	f := s.footage
	au := Corrupt(f.Codec, f.units[i], uint64(loop)*uint64(len(f.units))+uint64(i))
	var pkts [][]byte
	if f.Codec == "H265" {
		pk := &h265.Packetizer{PayloadType: payloadType, MTU: 1400}
		pkts = pk.Packetize(au, 0)
	} else {
		pk := &h264.Packetizer{PayloadType: payloadType, MTU: 1400}
		pkts = pk.Packetize(au, 0)
	}
	return pkts
}
