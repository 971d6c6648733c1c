//go:build ignore

// makeseeds writes the seed corpora of the fuzzers of codec/h264 and codec/h265
// (testdata/fuzz/FuzzDepacketize and FuzzParseSPS in each): RTP packets of the first
// units of the test footage (their NAL units cut short, so that the fuzzer can mutate them
// quickly) at several MTUs, with and without aggregation, and with loss, duplication and
// reordering; and SPS of the footage and of libx264/libx265 encodes in other profiles.
//
//	go run codec/testdata/makeseeds.go   (from the module root, after scripts/setup.sh)
package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"

	"custodian/codec"
	"custodian/codec/h264"
	"custodian/codec/h265"
)

func main() {
	for _, hevc := range []bool{false, true} {
		pkg, src, bsf, format := "h264", "vtest-h264.mp4", "h264_mp4toannexb", "h264"
		if hevc {
			pkg, src, bsf, format = "h265", "vtest-h265.mp4", "hevc_mp4toannexb", "hevc"
		}
		stream := run("ffmpeg", "-v", "error", "-i", filepath.Join(".cache", "media", src), "-t", "1",
			"-c", "copy", "-bsf:v", bsf, "-f", format, "-")
		units := accessUnits(codec.SplitAnnexB(stream), hevc)
		dir := filepath.Join("codec", pkg, "testdata", "fuzz")
		// Packets of the first units, NAL units cut to 300 bytes.
		var short [][][]byte
		for _, u := range units[:3] {
			var s [][]byte
			for _, n := range u {
				s = append(s, n[:min(len(n), 300)])
			}
			short = append(short, s)
		}
		for _, c := range []struct {
			name string
			mtu  int
			agg  bool
		}{{"mtu100", 100, false}, {"mtu200-aggregated", 200, true}, {"mtu1400-aggregated", 1400, true}} {
			pkts := packetize(short, c.mtu, c.agg, hevc)
			write(dir, "FuzzDepacketize", "footage-"+c.name, fuzzInput(pkts))
			if c.name == "mtu100" {
				// One lost, one duplicated, two swapped.
				lossy := append([][]byte(nil), pkts...)
				lossy = append(lossy[:3], lossy[4:]...)
				lossy = append(lossy[:6], append([][]byte{lossy[6]}, lossy[6:]...)...)
				lossy[9], lossy[10] = lossy[10], lossy[9]
				write(dir, "FuzzDepacketize", "footage-lossy", fuzzInput(lossy))
			}
		}
		// SPS of the footage and of other encodes.
		sps := func(b []byte) []byte {
			for _, n := range codec.SplitAnnexB(b) {
				if hevc && h265.NALUType(n) == h265.NALUTypeSPS || !hevc && h264.NALUType(n) == h264.NALUTypeSPS {
					return n
				}
			}
			log.Fatal("no SPS")
			return nil
		}
		write(dir, "FuzzParseSPS", "footage", sps(stream))
		variants := map[string][]string{
			"high10":     {"-pix_fmt", "yuv420p10le"},
			"444":        {"-pix_fmt", "yuv444p"},
			"422-odd":    {"-pix_fmt", "yuv422p10le", "-vf", "scale=322:242"},
			"interlaced": {"-flags", "+ildct+ilme", "-x264-params", "interlaced=1:cqm=jvt"},
		}
		enc := []string{"-c:v", "libx264", "-preset", "veryfast"}
		if hevc {
			variants = map[string][]string{
				"main10":          {"-pix_fmt", "yuv420p10le"},
				"444":             {"-pix_fmt", "yuv444p", "-vf", "scale=322:242"},
				"temporal-layers": {"-x265-params", "log-level=error:temporal-layers=1:scaling-list=default"},
			}
			enc = []string{"-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error"}
		}
		for name, args := range variants {
			cmd := []string{"-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-frames:v", "1"}
			cmd = append(append(append(cmd, enc...), args...), "-f", format, "-")
			write(dir, "FuzzParseSPS", name, sps(run("ffmpeg", cmd...)))
		}
	}
}

func run(name string, args ...string) []byte {
	cmd := exec.Command(name, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		log.Fatalf("%s %v: %v", name, args, err)
	}
	return out
}

// accessUnits groups NAL units into access units (as codec/internal/codectest does).
func accessUnits(nalus [][]byte, hevc bool) [][][]byte {
	var units [][][]byte
	var cur [][]byte
	seenVCL := false
	for _, n := range nalus {
		var vcl, first, prefix bool
		if hevc {
			typ := h265.NALUType(n)
			vcl, first = typ < 32, typ < 32 && len(n) > 2 && n[2]&0x80 != 0
			prefix = typ >= 32 && typ <= 35 || typ == 39 || typ >= 41 && typ <= 44 || typ >= 48 && typ <= 55
		} else {
			typ := h264.NALUType(n)
			vcl, first = typ >= 1 && typ <= 5, typ >= 1 && typ <= 5 && len(n) > 1 && n[1]&0x80 != 0
			prefix = typ == 6 || typ == 7 || typ == 8 || typ == 9 || typ >= 14 && typ <= 18
		}
		if seenVCL && (prefix || first) {
			units = append(units, cur)
			cur, seenVCL = nil, false
		}
		cur = append(cur, n)
		seenVCL = seenVCL || vcl
	}
	return append(units, cur)
}

func packetize(units [][][]byte, mtu int, agg, hevc bool) [][]byte {
	var out [][]byte
	p4 := &h264.Packetizer{PayloadType: 96, SSRC: 0x11223344, Sequence: 65530, MTU: mtu, Aggregate: agg}
	p5 := &h265.Packetizer{PayloadType: 96, SSRC: 0x11223344, Sequence: 65530, MTU: mtu, Aggregate: agg}
	for i, u := range units {
		var pkts [][]byte
		if hevc {
			pkts = p5.Packetize(u, uint32(i*9000))
		} else {
			pkts = p4.Packetize(u, uint32(i*9000))
		}
		for _, p := range pkts {
			out = append(out, bytes.Clone(p))
		}
	}
	return out
}

// fuzzInput joins packets as FuzzDepacketize reads them: a 2-byte length before each.
func fuzzInput(pkts [][]byte) []byte {
	var b []byte
	for _, p := range pkts {
		b = binary.BigEndian.AppendUint16(b, uint16(len(p)))
		b = append(b, p...)
	}
	return b
}

// write writes one corpus file in the format of go test fuzz v1.
func write(dir, fuzzer, name string, b []byte) {
	d := filepath.Join(dir, fuzzer)
	if err := os.MkdirAll(d, 0o755); err != nil {
		log.Fatal(err)
	}
	content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
	if err := os.WriteFile(filepath.Join(d, name), []byte(content), 0o644); err != nil {
		log.Fatal(err)
	}
}
