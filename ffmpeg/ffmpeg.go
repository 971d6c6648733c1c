// Package ffmpeg runs ffmpeg and ffprobe to read imported footage (a DVR export, a phone
// recording handed in) through pipes only: the file is probed, and its first video stream
// is copied, without re-encoding and without sound, into a fragmented MP4 that is read from
// ffmpeg's standard output. Nothing is written to disk (docs/design/vault.md).
//
// Input files are untrusted: ffmpeg may open only local files (protocol whitelist) with the
// demuxers a CCTV export needs (format whitelist), and its output is bounded.
package ffmpeg

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"custodian"
)

// Formats is the list of demuxers ffprobe and ffmpeg may use on an input (their
// -format_whitelist): MP4/MOV, MPEG-TS and MPEG-PS, Matroska, AVI, FLV, raw H.264/H.265
// and Dahua's DAV. Anything else (including text that ffmpeg would take for ANSI art) is
// refused before a demuxer sees it.
const Formats = "mov,mpegts,mpeg,matroska,avi,flv,h264,hevc,dhav"

// Programs that must be on PATH.
var programs = []string{"ffmpeg", "ffprobe"}

// Check reports whether ffmpeg and ffprobe are on PATH.
func Check() error {
	for _, p := range programs {
		if _, err := exec.LookPath(p); err != nil {
			return custodian.Errorf(custodian.EINTERNAL,
				"%s를 찾을 수 없습니다: scripts/setup.sh를 실행해 설치하십시오",
				"%s is not installed (not on PATH): run scripts/setup.sh", p)
		}
	}
	return nil
}

// Stream is a video stream of an input.
type Stream struct {
	Index     int     // the stream's index in the input (ffmpeg's -map 0:Index)
	Codec     string  // ffmpeg's codec name: "h264", "hevc" ...
	Width     int     // pixels
	Height    int     // pixels
	FrameRate float64 // frames per second (average; 0 if unknown)
	Profile   string  // "High", "Main" ...
	// Duration is how long the container says the stream is (0 if it does not say): a
	// damaged or cut file may hold less (cmd/custodian ingest-file compares).
	Duration time.Duration
}

// Info is what ffprobe says about an input.
type Info struct {
	Format   string        // ffprobe's format_name, e.g. "mov,mp4,m4a,3gp,3g2,mj2", "mpegts"
	Duration time.Duration // 0 if unknown
	Video    *Stream       // the first video stream (not cover art); nil if there is none
	HasAudio bool          // an audio stream is present (it is never imported)
	Streams  int           // number of streams of every kind
}

// maxProbeOutput bounds what is read from ffprobe.
const maxProbeOutput = 4 << 20

// Probe runs ffprobe on the file at path.
func Probe(ctx context.Context, path string) (*Info, error) {
	if err := Check(); err != nil {
		return nil, err
	}
	if err := checkFile(path); err != nil {
		return nil, err
	}
	out := &limitBuffer{max: maxProbeOutput}
	stderr := &tailBuffer{max: 2048}
	cmd := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-hide_banner",
		"-print_format", "json", "-show_format", "-show_streams",
		"-protocol_whitelist", "file", "-format_whitelist", Formats,
		"-i", "file:"+path)
	cmd.Stdout, cmd.Stderr = out, stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if out.over {
			return nil, custodian.Errorf(custodian.EINVALID,
				"ffprobe의 출력이 너무 깁니다 (%s)", "ffprobe's output is too long (%s)", path)
		}
		return nil, custodian.Errorf(custodian.EINVALID,
			"ffprobe가 %s를 영상 파일로 읽지 못했습니다: %s",
			"ffprobe cannot read %s as a video file: %s", path, stderr.text(err))
	}
	return parseProbe(out.b.Bytes(), path)
}

// probeJSON is the part of ffprobe's JSON that Probe reads.
type probeJSON struct {
	Streams []struct {
		Index        int    `json:"index"`
		CodecType    string `json:"codec_type"`
		CodecName    string `json:"codec_name"`
		Profile      string `json:"profile"`
		Width        int    `json:"width"`
		Height       int    `json:"height"`
		AvgFrameRate string `json:"avg_frame_rate"`
		RFrameRate   string `json:"r_frame_rate"`
		Duration     string `json:"duration"`
		Disposition  struct {
			AttachedPic int `json:"attached_pic"`
		} `json:"disposition"`
	} `json:"streams"`
	Format *struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
	} `json:"format"`
}

func parseProbe(data []byte, path string) (*Info, error) {
	var p probeJSON
	if err := json.Unmarshal(data, &p); err != nil || p.Format == nil {
		return nil, custodian.Errorf(custodian.EINVALID,
			"ffprobe가 %s에 대해 알 수 없는 결과를 냈습니다", "ffprobe gave an unexpected answer for %s", path)
	}
	info := &Info{Format: p.Format.FormatName, Streams: len(p.Streams)}
	info.Duration = seconds(p.Format.Duration)
	for _, s := range p.Streams {
		switch s.CodecType {
		case "audio":
			info.HasAudio = true
		case "video":
			if info.Video != nil || s.Disposition.AttachedPic != 0 {
				continue
			}
			rate := FrameRate(s.AvgFrameRate)
			if rate == 0 {
				rate = FrameRate(s.RFrameRate)
			}
			info.Video = &Stream{Index: s.Index, Codec: s.CodecName, Width: s.Width,
				Height: s.Height, FrameRate: rate, Profile: s.Profile, Duration: seconds(s.Duration)}
		}
	}
	return info, nil
}

// frameRate parses "num/den" (0 for "0/0" or garbage).
// seconds reads a duration ffprobe gives in seconds ("79.500000"); 0 if absent or absurd.
func seconds(s string) time.Duration {
	if d, err := strconv.ParseFloat(s, 64); err == nil && d > 0 && d < 1e9 {
		return time.Duration(d * float64(time.Second))
	}
	return 0
}

// FrameRate reads ffprobe's frame rate ("30000/1001"); 0 when it is not a positive ratio.
func FrameRate(s string) float64 {
	n, d, ok := strings.Cut(s, "/")
	if !ok {
		return 0
	}
	num, err1 := strconv.ParseFloat(n, 64)
	den, err2 := strconv.ParseFloat(d, 64)
	if err1 != nil || err2 != nil || den <= 0 || num <= 0 {
		return 0
	}
	return num / den
}

// checkFile refuses a path that is not a regular file, with a clear message, before
// ffprobe says something vaguer.
func checkFile(path string) error {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return custodian.Errorf(custodian.ENOTFOUND, "파일이 없습니다: %s", "no such file: %s", path)
	case err != nil:
		return custodian.Errorf(custodian.EINVALID, "파일을 읽을 수 없습니다: %w", "cannot read the file: %w", err)
	case !st.Mode().IsRegular():
		return custodian.Errorf(custodian.EINVALID, "일반 파일이 아닙니다: %s", "not a regular file: %s", path)
	}
	return nil
}

// Fragmented runs ffmpeg on the file at path and returns its standard output: the input's
// first video stream copied without re-encoding (no audio, subtitles or data), as a
// fragmented MP4 with a fragment at every keyframe (frag_keyframe+empty_moov+
// default_base_moof), ready for fmp4.NewReader. H.265 is tagged hvc1, which players
// expect. Inputs without a video stream, or with a codec other than H.264 and H.265, are
// refused.
//
// Read returns ffmpeg's failure (with the tail of its stderr) in place of io.EOF. Close
// waits for ffmpeg and returns the same failure; closing before the end stops ffmpeg and
// returns nil. Cancelling ctx kills ffmpeg.
func Fragmented(ctx context.Context, path string) (io.ReadCloser, error) {
	info, err := Probe(ctx, path)
	if err != nil {
		return nil, err
	}
	v := info.Video
	switch {
	case v == nil:
		return nil, custodian.Errorf(custodian.EINVALID,
			"영상 스트림이 없는 파일입니다: %s", "the file has no video stream: %s", path)
	case v.Codec != "h264" && v.Codec != "hevc":
		return nil, custodian.Errorf(custodian.EINVALID,
			"지원하지 않는 영상 코덱입니다 (%s): H.264와 H.265만 받습니다 (다시 인코딩하지 않습니다)",
			"unsupported video codec %s: only H.264 and H.265 are accepted (footage is not re-encoded)", v.Codec)
	}
	args := []string{"-nostdin", "-hide_banner", "-loglevel", "error",
		"-protocol_whitelist", "file", "-format_whitelist", Formats,
		"-i", "file:" + path,
		"-map", fmt.Sprintf("0:%d", v.Index), "-c", "copy", "-an", "-sn", "-dn"}
	if v.Codec == "hevc" {
		// MP4 players (Safari, Chromium's platform decoders) want hvc1; a stream that is
		// already hvc1 keeps it.
		args = append(args, "-tag:v", "hvc1")
	}
	args = append(args, "-movflags", "frag_keyframe+empty_moov+default_base_moof", "-f", "mp4", "pipe:1")
	return start(ctx, "ffmpeg", args...)
}

// pipe is the standard output of a running ffmpeg.
type pipe struct {
	cmd    *exec.Cmd
	out    io.ReadCloser
	stderr *tailBuffer
	// cancelled is the cause of the context that ended ffmpeg (set by cmd.Cancel when the
	// context passed to start ends before ffmpeg does): ffmpeg's death is then not its
	// failure.
	cancelled atomic.Pointer[error]

	once sync.Once
	eof  bool
	err  error
}

func start(ctx context.Context, name string, args ...string) (*pipe, error) {
	return startWith(ctx, nil, nil, name, args...)
}

// startWith starts a program with extra open files (descriptors 3, 4 ...) and strings
// that are cut out of its messages (credentials).
func startWith(ctx context.Context, files []*os.File, secrets []string, name string, args ...string) (*pipe, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.ExtraFiles = files
	p := &pipe{cmd: cmd, stderr: &tailBuffer{max: 4096, secrets: secrets}}
	cmd.Cancel = func() error {
		err := ctx.Err()
		p.cancelled.Store(&err)
		return cmd.Process.Kill()
	}
	cmd.Stderr = p.stderr
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p.out = out
	if err := cmd.Start(); err != nil {
		return nil, custodian.Errorf(custodian.EINTERNAL, "%s를 시작하지 못했습니다: %v",
			"cannot start %s: %v", name, err)
	}
	return p, nil
}

func (p *pipe) Read(b []byte) (int, error) {
	if p.eof {
		return 0, p.result()
	}
	n, err := p.out.Read(b)
	if err == io.EOF {
		p.eof = true
		return n, p.result()
	}
	return n, err
}

// result waits for ffmpeg (after its output has ended) and returns io.EOF if it
// succeeded, else its failure.
func (p *pipe) result() error {
	if err := p.wait(); err != nil {
		return err
	}
	return io.EOF
}

// wait waits for ffmpeg once and keeps its failure.
func (p *pipe) wait() error {
	p.once.Do(func() {
		err := p.cmd.Wait()
		cancelled := p.cancelled.Load()
		switch {
		case err == nil:
		case cancelled != nil:
			p.err = *cancelled
		default:
			p.err = custodian.Errorf(custodian.EINVALID, "ffmpeg가 실패했습니다: %s",
				"ffmpeg failed: %s", p.stderr.text(err))
		}
	})
	return p.err
}

func (p *pipe) Close() error {
	if !p.eof {
		// Stopped early: the caller wants no more, so ffmpeg's complaint about the closed
		// pipe is not a failure.
		_ = p.out.Close() // a writer other than ffmpeg itself gets EPIPE
		_ = p.cmd.Process.Kill()
		p.once.Do(func() { _ = p.cmd.Wait() })
		return nil
	}
	return p.wait()
}

// tailBuffer keeps the last max bytes written to it (a program's stderr).
type tailBuffer struct {
	mu      sync.Mutex
	b       []byte
	max     int
	secrets []string // cut out of text
}

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, b...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(b), nil
}

// text describes a failure: the tail of stderr, else the exit error.
func (t *tailBuffer) text(err error) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := strings.TrimSpace(strings.ToValidUTF8(string(t.b), "?"))
	for _, x := range t.secrets {
		if x != "" {
			s = strings.ReplaceAll(s, x, "")
		}
	}
	if s == "" {
		return err.Error()
	}
	return s + " (" + err.Error() + ")"
}

// limitBuffer keeps up to max bytes and fails the write past them.
type limitBuffer struct {
	b    bytes.Buffer
	max  int
	over bool
}

func (l *limitBuffer) Write(b []byte) (int, error) {
	if l.b.Len()+len(b) > l.max {
		l.over = true
		return 0, errors.New("output too long")
	}
	return l.b.Write(b)
}

// LiveProtocols are the protocols a live source (a camera that only ffmpeg can read) may
// use: its -protocol_whitelist. Network protocols only: not file, so that nothing a camera
// or a playlist names can make ffmpeg read a local file.
const LiveProtocols = "http,https,tcp,tls,udp,rtp,rtsp,rtsps,crypto,httpproxy"

// Live runs ffmpeg on a live source (an MJPEG or RTSP-over-HTTP camera, a stream; read
// in real time with realtime set) and returns its first video stream, copied
// without sound into a fragmented MP4 with a fragment at every keyframe, read from a pipe.
// rtspTransport ("tcp" or "udp") applies to rtsp:// inputs. timeout bounds every network
// read. With transcode, the video is encoded to H.264 (libx264, a keyframe every 2 s) for
// inputs that are not H.264 or H.265 (MJPEG cameras). The input string is ffmpeg's, and
// may hold credentials: callers never log it. A URL with credentials (user information)
// never appears on ffmpeg's command line, which every local user can read (ps,
// /proc/PID/cmdline): ffmpeg reads it from a one-entry concat script on a pipe (file
// descriptor 3), and the credentials are cut out of ffmpeg's messages.
func Live(ctx context.Context, input, rtspTransport string, timeout time.Duration, realtime, transcode bool) (io.ReadCloser, error) {
	args := []string{"-nostdin", "-hide_banner", "-loglevel", "error",
		"-protocol_whitelist", LiveProtocols, "-fflags", "+genpts"}
	var opts [][2]string // the input's options
	if strings.HasPrefix(input, "rtsp://") || strings.HasPrefix(input, "rtsps://") {
		if rtspTransport == "" {
			rtspTransport = "tcp"
		}
		opts = append(opts, [2]string{"rtsp_transport", rtspTransport}, [2]string{"timeout", strconv.FormatInt(timeout.Microseconds(), 10)})
	} else if strings.Contains(input, "://") && !strings.HasPrefix(input, "file:") {
		opts = append(opts, [2]string{"rw_timeout", strconv.FormatInt(timeout.Microseconds(), 10)})
	}
	if realtime {
		args = append(args, "-re")
	}
	var script *os.File
	var secrets []string
	if u, err := url.Parse(input); err == nil && u.User != nil {
		// ffconcat: 'quoted' is literal up to the next quote; a quote is '\''.
		var b strings.Builder
		b.WriteString("ffconcat version 1.0\nfile '" + strings.ReplaceAll(input, "'", `'\''`) + "'\n")
		for _, o := range opts {
			b.WriteString("option " + o[0] + " " + o[1] + "\n")
		}
		r, w, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		_, err = io.WriteString(w, b.String()) // far below a pipe's buffer
		w.Close()
		if err != nil {
			r.Close()
			return nil, err
		}
		script = r
		defer r.Close() // the child has its own copy once started
		secrets = append(secrets, u.User.String()+"@", u.User.String())
		if pw, ok := u.User.Password(); ok && pw != "" {
			secrets = append(secrets, pw, url.QueryEscape(pw), url.PathEscape(pw))
		}
		args[slices.Index(args, "-protocol_whitelist")+1] = LiveProtocols + ",pipe" // and the script's pipe
		args = append(args, "-f", "concat", "-safe", "0", "-i", "pipe:3")
	} else {
		for _, o := range opts {
			args = append(args, "-"+o[0], o[1])
		}
		args = append(args, "-i", input)
	}
	args = append(args, "-map", "0:v:0", "-an", "-sn", "-dn")
	if transcode {
		args = append(args, "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
			"-force_key_frames", "expr:gte(t,n_forced*2)", "-bf", "0")
	} else {
		args = append(args, "-c", "copy")
	}
	args = append(args, "-movflags", "frag_keyframe+empty_moov+default_base_moof", "-f", "mp4", "pipe:1")
	if script == nil {
		return start(ctx, "ffmpeg", args...)
	}
	return startWith(ctx, []*os.File{script}, secrets, "ffmpeg", args...)
}
