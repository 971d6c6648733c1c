// Package codectest holds what the tests of codec/h264 and codec/h265 share: extracting the
// test footage's elementary stream with ffmpeg, grouping NAL units into access units,
// building RTP packets, pushing packets through a depacketizer, and finding a box in an
// MP4 file.
package codectest

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pion/rtp"

	"custodian/codec"
	"custodian/internal/testmedia"
)

// AnnexB returns the video of a test footage file as an Annex B byte stream (ffmpeg's
// h264_mp4toannexb / hevc_mp4toannexb), with the parameter sets before each keyframe.
func AnnexB(t testing.TB, name string, hevc bool) []byte {
	t.Helper()
	testmedia.Need(t, "ffmpeg")
	path := testmedia.Path(t, name)
	bsf, format := "h264_mp4toannexb", "h264"
	if hevc {
		bsf, format = "hevc_mp4toannexb", "hevc"
	}
	return Run(t, "ffmpeg", "-v", "error", "-i", path, "-map", "0:v:0", "-c", "copy",
		"-bsf:v", bsf, "-f", format, "-")
}

// Run runs a program and returns its standard output, failing the test if it fails.
func Run(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, stderr.Bytes())
	}
	return out
}

// Stream is what ffprobe tells of a file's first video stream.
type Stream struct {
	CodecName string `json:"codec_name"`
	Profile   string `json:"profile"`
	Level     int    `json:"level"`
	Width     int    `json:"width"`
	Height    int    `json:"height"`
	PixFmt    string `json:"pix_fmt"`
	FrameRate string `json:"r_frame_rate"`
	NbFrames  string `json:"nb_frames"`
}

// Frames returns NbFrames as a number (-1 when unknown).
func (s Stream) Frames() int {
	n, err := strconv.Atoi(s.NbFrames)
	if err != nil {
		return -1
	}
	return n
}

// Probe returns ffprobe's description of a file's first video stream.
func Probe(t testing.TB, path string) Stream {
	t.Helper()
	testmedia.Need(t, "ffprobe")
	out := Run(t, "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_streams", "-of", "json", path)
	var v struct{ Streams []Stream }
	if err := json.Unmarshal(out, &v); err != nil || len(v.Streams) == 0 {
		t.Fatalf("ffprobe %s: %v %s", path, err, out)
	}
	return v.Streams[0]
}

// Packet returns an RTP packet.
func Packet(seq uint16, ts uint32, marker bool, payload ...byte) *rtp.Packet {
	return &rtp.Packet{
		Header:  rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, Timestamp: ts, Marker: marker, SSRC: 1},
		Payload: payload,
	}
}

// Unit is a copy of an access unit that outlives the next Push.
type Unit struct {
	NALUs   [][]byte
	RTPTime uint32
	Key     bool
}

// Clone copies a unit.
func Clone(u codec.AccessUnit) Unit {
	c := Unit{RTPTime: u.RTPTime, Key: u.Key}
	for _, n := range u.NALUs {
		c.NALUs = append(c.NALUs, bytes.Clone(n))
	}
	return c
}

// Push unmarshals marshalled packets, pushes them and returns copies of the units and the
// errors.
func Push(t testing.TB, d codec.Depacketizer, pkts [][]byte) ([]Unit, []error) {
	t.Helper()
	var units []Unit
	var errs []error
	var p rtp.Packet
	for _, b := range pkts {
		if err := p.Unmarshal(b); err != nil {
			t.Fatalf("unmarshal a packet: %v", err)
		}
		us, err := d.Push(&p)
		for _, u := range us {
			if u.Damaged {
				t.Errorf("a damaged unit was returned")
			}
			units = append(units, Clone(u))
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return units, errs
}

// PushPackets pushes packets and returns copies of the units and the errors.
func PushPackets(d codec.Depacketizer, pkts ...*rtp.Packet) ([]Unit, []error) {
	var units []Unit
	var errs []error
	for _, p := range pkts {
		us, err := d.Push(p)
		for _, u := range us {
			units = append(units, Clone(u))
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return units, errs
}

// Box returns the payload of the first box of type typ found by scanning an MP4 file's
// bytes for its four-character code, or nil.
func Box(t testing.TB, path, typ string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for off := 0; ; {
		i := bytes.Index(b[off:], []byte(typ))
		if i < 0 {
			return nil
		}
		i += off
		if i >= 4 {
			size := int(binary.BigEndian.Uint32(b[i-4:]))
			if size >= 8 && i-4+size <= len(b) {
				return b[i+4 : i-4+size]
			}
		}
		off = i + 4
	}
}

// CheckUnits checks units returned by a depacketizer against the limits: each has NAL
// units, none empty, no more than maxNALUs and no more than maxSize bytes in all.
func CheckUnits(t testing.TB, units []codec.AccessUnit, maxSize, maxNALUs int) {
	t.Helper()
	for _, u := range units {
		if u.Damaged {
			t.Fatalf("a damaged unit was returned")
		}
		if len(u.NALUs) == 0 || len(u.NALUs) > maxNALUs {
			t.Fatalf("a unit with %d NAL units", len(u.NALUs))
		}
		size := 0
		for _, n := range u.NALUs {
			if len(n) == 0 {
				t.Fatalf("an empty NAL unit")
			}
			size += len(n)
		}
		if size > maxSize {
			t.Fatalf("a unit of %d bytes (max %d)", size, maxSize)
		}
	}
}

// FuzzPackets splits fuzz input into RTP packets: each is a 2-byte big-endian length and
// that many bytes. Packets that do not unmarshal are skipped.
func FuzzPackets(data []byte, each func(p *rtp.Packet)) {
	var p rtp.Packet
	for len(data) >= 2 {
		n := int(binary.BigEndian.Uint16(data))
		data = data[2:]
		n = min(n, len(data))
		if p.Unmarshal(data[:n]) == nil {
			each(&p)
		}
		data = data[n:]
	}
}

// FuzzInput joins marshalled packets into the input FuzzPackets splits.
func FuzzInput(pkts [][]byte) []byte {
	var b []byte
	for _, p := range pkts {
		b = binary.BigEndian.AppendUint16(b, uint16(len(p)))
		b = append(b, p...)
	}
	return b
}

// BitWriter writes the bit-level syntax of parameter sets, for hand-made test input.
type BitWriter struct {
	b    []byte
	bits int
}

// U writes v in n bits.
func (w *BitWriter) U(n int, v uint64) *BitWriter {
	for i := n - 1; i >= 0; i-- {
		if w.bits%8 == 0 {
			w.b = append(w.b, 0)
		}
		if v>>uint(i)&1 == 1 {
			w.b[len(w.b)-1] |= 0x80 >> uint(w.bits%8)
		}
		w.bits++
	}
	return w
}

// Flag writes one bit.
func (w *BitWriter) Flag(v bool) *BitWriter {
	if v {
		return w.U(1, 1)
	}
	return w.U(1, 0)
}

// UE writes an unsigned exp-Golomb code.
func (w *BitWriter) UE(v uint64) *BitWriter {
	v++
	n := 0
	for x := v; x > 1; x >>= 1 {
		n++
	}
	w.U(n, 0)
	return w.U(n+1, v)
}

// SE writes a signed exp-Golomb code.
func (w *BitWriter) SE(v int64) *BitWriter {
	if v > 0 {
		return w.UE(uint64(2*v - 1))
	}
	return w.UE(uint64(-2 * v))
}

// NALU returns the bits written with rbsp_trailing_bits, emulation prevention bytes
// inserted, after the given NAL unit header.
func (w *BitWriter) NALU(header ...byte) []byte {
	c := *w
	c.b = bytes.Clone(w.b)
	c.U(1, 1)
	for c.bits%8 != 0 {
		c.U(1, 0)
	}
	out := append([]byte(nil), header...)
	zeros := 0
	for _, x := range c.b {
		if zeros >= 2 && x <= 3 {
			out = append(out, 3)
			zeros = 0
		}
		out = append(out, x)
		if x == 0 {
			zeros++
		} else {
			zeros = 0
		}
	}
	return out
}

var traceLine = regexp.MustCompile(`\]\s+\d+\s+(\S+)\s+[01]+\s+=\s+(-?\d+)\s*$`)

// Trace returns the syntax elements that ffmpeg's trace_headers bitstream filter reads from
// an elementary stream (format "h264" or "hevc") made of the given NAL units: by name (with
// its indexes, as ffmpeg prints it), the value read last.
func Trace(t testing.TB, format string, nalus ...[]byte) map[string]int64 {
	t.Helper()
	testmedia.Need(t, "ffmpeg")
	path := filepath.Join(t.TempDir(), "ps."+format)
	var b []byte
	for _, n := range nalus {
		b = append(b, 0, 0, 0, 1)
		b = append(b, n...)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ffmpeg", "-loglevel", "debug", "-f", format, "-i", path,
		"-c", "copy", "-bsf:v", "trace_headers", "-f", "null", "-")
	out, _ := cmd.CombinedOutput() // the exit status tells nothing: a stream without slices may "fail"
	fields := map[string]int64{}
	for _, line := range strings.Split(string(out), "\n") {
		if !strings.Contains(line, "[trace_headers") {
			continue
		}
		if m := traceLine.FindStringSubmatch(line); m != nil {
			v, err := strconv.ParseInt(m[2], 10, 64)
			if err == nil {
				fields[m[1]] = v
			}
		}
	}
	if len(fields) == 0 {
		t.Fatalf("ffmpeg trace_headers read nothing:\n%s", out)
	}
	return fields
}
