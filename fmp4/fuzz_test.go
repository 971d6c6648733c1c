package fmp4

// Fuzz tests. The committed seed corpus (testdata/fuzz/FuzzParse, testdata/fuzz/FuzzReader,
// made by testdata/makeseeds.go) holds small real ffmpeg outputs of the vtest footage in
// several flavours (H.264, H.265, explicit base_data_offset, trun version 1, CMAF/DASH
// with styp and sidx) and truncated and garbled variants of them; the synthetic files of
// synth_test.go are added in code.
//
//	go test ./fmp4 -run '^$' -fuzz '^FuzzParse$' -fuzztime 60s
//	go test ./fmp4 -run '^$' -fuzz '^FuzzReader$' -fuzztime 60s

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"custodian"
)

// synthSeeds are synthetic files covering the features ffmpeg does not write.
func synthSeeds() [][]byte {
	full := synthFrag{seq: 1, base: 100, tfhd: tfhdDefaultBaseIsMoof, runs: []synthRun{fullRun(0,
		synthSample{3000, 10, syncFlags, 6000}, synthSample{3000, 5, nonSyncFlags, 0})}}
	v1 := synthFrag{seq: 2, tfdtV1: true, base: 6100, tfhd: tfhdDefaultBaseIsMoof, runs: []synthRun{fullRun(1,
		synthSample{3000, 10, syncFlags, 0}, synthSample{3000, 5, nonSyncFlags, -3000})}}
	defaults := synthFrag{seq: 3, base: 12100, tfhd: tfhdDefaultBaseIsMoof | tfhdDuration | tfhdSize | tfhdFlags,
		def: trex{duration: 3003, size: 4, flags: nonSyncFlags}, mdat64: true,
		runs: []synthRun{{flags: trunDataOffset | trunFirstFlags, count: 3, firstFlags: syncFlags}}}
	explicit := synthFrag{seq: 4, noTfdt: true, explicit: true, def: trex{size: 3}, tfhd: tfhdSize, runs: []synthRun{
		{flags: trunDuration | trunFlags, samples: []synthSample{{dur: 100, flags: syncFlags}, {dur: 100, flags: nonSyncFlags}}},
		{flags: trunDuration, samples: []synthSample{{dur: 50}}},
	}}
	withTrex := oneVideo
	withTrex.trex = trex{duration: 1000, size: 2, flags: syncFlags}
	withTrex.mehd = true
	hevc := synthInit{tracks: []synthTrack{{id: 3, handler: "vide", codec: "hvc1", timescale: 1000, width: 64, height: 48}}}
	return [][]byte{
		file(oneVideo, full, v1, defaults, explicit),
		file(withTrex, synthFrag{seq: 1, tfhd: tfhdDefaultBaseIsMoof, runs: []synthRun{{flags: trunDataOffset, count: 4}}}),
		file(hevc, synthFrag{seq: 9, track: 3, tfhd: tfhdDefaultBaseIsMoof, runs: full.runs}),
		file(synthInit{tracks: []synthTrack{videoTrack(), {id: 2, handler: "soun", codec: "mp4a", timescale: 8000}}}),
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range synthSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in, frags, err := Parse(data)
		if err != nil {
			checkError(t, err)
			return
		}
		if !bytes.HasPrefix(data, in.Raw) {
			t.Fatal("Init.Raw is not the head of the data")
		}
		for i, f := range frags {
			if len(f.Raw) < 16 || f.End() < f.BaseDecodeTime {
				t.Fatalf("fragment %d: %s", i, desc(f))
			}
		}
		roundTrip(t, in, frags)
	})
}

func FuzzReader(f *testing.F) {
	for _, s := range synthSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Parse and a Reader fed a few bytes at a time must agree.
		in, frags, err := parseBoth(t, data)
		if err != nil {
			checkError(t, err)
			return
		}
		roundTrip(t, in, frags)
	})
}

// checkError checks that a refusal is an EINVALID *custodian.Error in two languages.
func checkError(t *testing.T, err error) {
	t.Helper()
	var ce *custodian.Error
	if !errors.As(err, &ce) || ce.Code != custodian.EINVALID || ce.Ko == "" || ce.En == "" {
		t.Fatalf("error %v (%T) is not an EINVALID custodian.Error", err, err)
	}
}

// roundTrip writes what was read, rebased to its first fragment, and reads it back: Write
// either refuses (EINVALID) or writes a file that parses to the same fragments.
func roundTrip(t *testing.T, in *Init, frags []*Fragment) {
	t.Helper()
	var shift uint64
	if len(frags) > 0 {
		shift = frags[0].BaseDecodeTime
	}
	raw := bytes.Clone(in.Raw)
	var out bytes.Buffer
	if err := Write(&out, in, frags, shift); err != nil {
		checkError(t, err)
		return
	}
	if !bytes.Equal(raw, in.Raw) {
		t.Fatal("Write modified Init.Raw")
	}
	in2, got, err := Parse(out.Bytes())
	if err != nil {
		t.Fatalf("Write wrote what Parse refuses: %v", err)
	}
	if in2.Codec != in.Codec || in2.TrackID != in.TrackID || in2.Timescale != in.Timescale ||
		in2.Width != in.Width || in2.Height != in.Height {
		t.Fatalf("init %s became %s", descInit(in), descInit(in2))
	}
	if len(got) != len(frags) {
		t.Fatalf("%d fragments written, %d read back", len(frags), len(got))
	}
	for i, g := range got {
		f := frags[i]
		if g.Relocatable() != f.Relocatable() || g.Sequence != uint32(i+1) || g.BaseDecodeTime != f.BaseDecodeTime-shift || g.Duration != f.Duration ||
			g.Samples != f.Samples || g.Keyframe != f.Keyframe || g.PresentationOffset != f.PresentationOffset ||
			len(g.Raw) != len(f.Raw) {
			t.Fatalf("fragment %d: %s written, %s read back", i, desc(f), desc(g))
		}
	}
	// Writing again what was read back gives the same bytes.
	var again bytes.Buffer
	if err := Write(&again, in2, got, 0); err != nil {
		t.Fatalf("second Write: %v", err)
	}
	if !bytes.Equal(again.Bytes(), out.Bytes()) {
		t.Fatal("writing a written file again changed it")
	}
}

// TestSeedFlavours checks that the real ffmpeg outputs in the seed corpus parse, with the
// features each flavour is there for, and survive Write.
func TestSeedFlavours(t *testing.T) {
	for _, name := range []string{"h264-moof", "h264-explicit", "h264-negcts", "h264-cmaf", "h264-dash",
		"h265-moof", "h265-explicit", "h265-negcts", "h265-cmaf", "h265-dash"} {
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzParse", name))
			if err != nil {
				t.Fatal(err)
			}
			lit, ok := strings.CutPrefix(string(raw), "go test fuzz v1\n[]byte(")
			lit, ok2 := strings.CutSuffix(lit, ")\n")
			data, err := strconv.Unquote(lit)
			if !ok || !ok2 || err != nil {
				t.Fatalf("not a corpus file: %v", err)
			}
			in, frags, err := parseBoth(t, []byte(data))
			if err != nil {
				t.Fatal(err)
			}
			codec := map[byte]string{'4': "avc1", '5': "hvc1"}[name[3]]
			if in.Codec != codec || in.Width != 64 || in.Height != 48 || len(frags) != 2 {
				t.Fatalf("%s %dx%d, %d fragments", in.Codec, in.Width, in.Height, len(frags))
			}
			samples := 0
			for i, f := range frags {
				_, lay, err := parseFragment(f.Raw, f.pos, in, 0)
				if err != nil || !f.Keyframe || f.Samples == 0 {
					t.Fatalf("fragment %d: %s %v", i, desc(f), err)
				}
				samples += f.Samples
				if explicit := len(lay.bases) > 0; explicit != strings.HasSuffix(name, "explicit") || f.Relocatable() == explicit {
					t.Errorf("fragment %d: explicit base_data_offset = %v, Relocatable = %v", i, explicit, f.Relocatable())
				}
			}
			if samples != 10 {
				t.Errorf("%d samples, want 10 (1 s at 10 fps)", samples)
			}
			roundTrip(t, in, frags)
		})
	}
}

// desc describes a fragment without its bytes.
func desc(f *Fragment) string {
	if f == nil {
		return "<nil>"
	}
	return fmt.Sprintf("{seq %d, decode %d, duration %d, %d samples, keyframe %v, presentation +%d, %d bytes at %d, no tfdt %v}",
		f.Sequence, f.BaseDecodeTime, f.Duration, f.Samples, f.Keyframe, f.PresentationOffset, len(f.Raw), f.pos, f.noTfdt)
}

// descInit describes an init without its bytes.
func descInit(in *Init) string {
	return fmt.Sprintf("{track %d, %s %dx%d, timescale %d, movie timescale %d, trex %+v, %d bytes}",
		in.TrackID, in.Codec, in.Width, in.Height, in.Timescale, in.movieTimescale, in.trex, len(in.Raw))
}
