package fmp4

// Synthetic files built box by box, to reach what ffmpeg does not write: tfdt version 0,
// trun version 1, sample defaults from tfhd and trex, explicit base_data_offset, several
// truns, missing tfdt, boxes between fragments, 64-bit sizes, and malformed input.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"custodian"
)

// synthInit describes an init segment.
type synthInit struct {
	tracks    []synthTrack
	noMvex    bool
	trex      trex
	mehd      bool
	movieTS   uint32
	before    []string // boxes before moov, after ftyp ("free")
	noFtyp    bool
	stsdCount uint32 // 0: 1
}

type synthTrack struct {
	id        uint32
	handler   string
	codec     string
	timescale uint32
	width     uint16
	height    uint16
}

func videoTrack() synthTrack {
	return synthTrack{id: 1, handler: "vide", codec: "avc1", timescale: 90000, width: 1280, height: 720}
}

func (s synthInit) bytes() []byte {
	var w builder
	if !s.noFtyp {
		b := w.start("ftyp")
		w.fourcc("iso5")
		w.u32(512)
		w.fourcc("iso5")
		w.fourcc("iso6")
		w.end(b)
	}
	for _, t := range s.before {
		b := w.start(t)
		w.zeros(4)
		w.end(b)
	}
	moov := w.start("moov")
	mvhd := w.startFull("mvhd", 0, 0)
	w.u32(0)
	w.u32(0)
	ts := s.movieTS
	if ts == 0 {
		ts = 1000
	}
	w.u32(ts)
	w.u32(0)
	w.zeros(80)
	w.end(mvhd)
	for _, t := range s.tracks {
		trak := w.start("trak")
		tkhd := w.startFull("tkhd", 1, 3)
		w.u64(0)
		w.u64(0)
		w.u32(t.id)
		w.zeros(80)
		w.end(tkhd)
		mdia := w.start("mdia")
		mdhd := w.startFull("mdhd", 1, 0)
		w.u64(0)
		w.u64(0)
		w.u32(t.timescale)
		w.u64(0)
		w.u32(0)
		w.end(mdhd)
		hdlr := w.startFull("hdlr", 0, 0)
		w.u32(0)
		w.fourcc(t.handler)
		w.zeros(13)
		w.end(hdlr)
		minf := w.start("minf")
		stbl := w.start("stbl")
		stsd := w.startFull("stsd", 0, 0)
		n := s.stsdCount
		if n == 0 {
			n = 1
		}
		w.u32(n)
		for range n {
			e := w.start(t.codec)
			w.zeros(6)
			w.u16(1)
			w.zeros(16)
			w.u16(t.width)
			w.u16(t.height)
			w.zeros(50)
			w.end(e)
		}
		w.end(stsd)
		w.end(stbl)
		w.end(minf)
		w.end(mdia)
		w.end(trak)
	}
	if !s.noMvex {
		mvex := w.start("mvex")
		if s.mehd {
			b := w.startFull("mehd", 0, 0)
			w.u32(123456)
			w.end(b)
		}
		for _, t := range s.tracks {
			b := w.startFull("trex", 0, 0)
			w.u32(t.id)
			w.u32(1)
			w.u32(s.trex.duration)
			w.u32(s.trex.size)
			w.u32(s.trex.flags)
			w.end(b)
		}
		w.end(mvex)
	}
	w.end(moov)
	return w.b
}

// synthFrag describes a fragment.
type synthFrag struct {
	seq      uint32
	track    uint32 // 0: 1
	noTfdt   bool
	tfdtV1   bool
	base     uint64
	tfhd     uint32 // tfhd flags besides base_data_offset
	def      trex   // tfhd defaults (used per tfhd flags)
	explicit bool   // tfhd base_data_offset (absolute, needs pos)
	pos      int64  // where the moof will lie in the file
	runs     []synthRun
	mdat64   bool // 64-bit mdat size
}

type synthRun struct {
	version    uint8
	flags      uint32 // which per-sample fields, data offset, first flags
	count      uint32 // when there are no per-sample fields
	firstFlags uint32
	samples    []synthSample
}

type synthSample struct {
	dur, size, flags uint32
	cto              int32
}

const (
	syncFlags    = 0x02000000
	nonSyncFlags = 0x01010000
)

// bytes builds moof + mdat. The sample data is a counter pattern.
func (s synthFrag) bytes() []byte {
	var w builder
	moof := w.start("moof")
	mfhd := w.startFull("mfhd", 0, 0)
	w.u32(s.seq)
	w.end(mfhd)
	traf := w.start("traf")
	flags := s.tfhd
	if s.explicit {
		flags |= tfhdBaseDataOffset
	}
	tfhd := w.startFull("tfhd", 0, flags)
	track := s.track
	if track == 0 {
		track = 1
	}
	w.u32(track)
	baseAt := -1
	if s.explicit {
		baseAt = len(w.b)
		w.u64(0)
	}
	if flags&tfhdSampleDescription != 0 {
		w.u32(1)
	}
	if flags&tfhdDuration != 0 {
		w.u32(s.def.duration)
	}
	if flags&tfhdSize != 0 {
		w.u32(s.def.size)
	}
	if flags&tfhdFlags != 0 {
		w.u32(s.def.flags)
	}
	w.end(tfhd)
	if !s.noTfdt {
		if s.tfdtV1 {
			b := w.startFull("tfdt", 1, 0)
			w.u64(s.base)
			w.end(b)
		} else {
			b := w.startFull("tfdt", 0, 0)
			w.u32(uint32(s.base))
			w.end(b)
		}
	}
	var offsets []int
	var size uint32
	for _, r := range s.runs {
		b := w.startFull("trun", r.version, r.flags)
		count := r.count
		if r.flags&(trunDuration|trunSize|trunFlags|trunComposition) != 0 {
			count = uint32(len(r.samples))
		}
		w.u32(count)
		if r.flags&trunDataOffset != 0 {
			offsets = append(offsets, len(w.b))
			w.u32(size) // made absolute below
		}
		if r.flags&trunFirstFlags != 0 {
			w.u32(r.firstFlags)
		}
		for _, x := range r.samples {
			if r.flags&trunDuration != 0 {
				w.u32(x.dur)
			}
			if r.flags&trunSize != 0 {
				w.u32(x.size)
				size += x.size
			}
			if r.flags&trunFlags != 0 {
				w.u32(x.flags)
			}
			if r.flags&trunComposition != 0 {
				w.u32(uint32(x.cto))
			}
		}
		if r.flags&trunSize == 0 {
			size += count * s.def.size
		}
		w.end(b)
	}
	w.end(traf)
	w.end(moof)
	hlen := 8
	if s.mdat64 {
		hlen = 16
	}
	for _, at := range offsets {
		rel := getU32(w.b, at) + uint32(len(w.b)) + uint32(hlen)
		if s.explicit {
			rel -= uint32(len(w.b)) + uint32(hlen)
		}
		putU32(w.b, at, rel)
	}
	if s.explicit {
		putU64(w.b, baseAt, uint64(s.pos)+uint64(len(w.b))+uint64(hlen))
	}
	if s.mdat64 {
		w.u32(1)
		w.fourcc("mdat")
		w.u64(uint64(size) + 16)
	} else {
		w.bytes(mdatHeader(uint64(size)))
	}
	for i := range size {
		w.u8(byte(i))
	}
	return w.b
}

// file joins an init and fragments, giving each fragment its position.
func file(in synthInit, frags ...synthFrag) []byte {
	b := in.bytes()
	for _, f := range frags {
		f.pos = int64(len(b))
		b = append(b, f.bytes()...)
	}
	return b
}

func box(typ string, payload ...byte) []byte {
	var w builder
	b := w.start(typ)
	w.bytes(payload)
	w.end(b)
	return w.b
}

// fullRun is a trun with every per-sample field.
func fullRun(version uint8, samples ...synthSample) synthRun {
	return synthRun{version: version, flags: trunDataOffset | trunDuration | trunSize | trunFlags | trunComposition, samples: samples}
}

var oneVideo = synthInit{tracks: []synthTrack{videoTrack()}}

// readStream reads data with a Reader through a reader that returns few bytes at a time.
func readStream(data []byte) (*Init, []*Fragment, error) {
	r, err := NewReader(iotest.HalfReader(bytes.NewReader(data)))
	if err != nil {
		return nil, nil, err
	}
	var frags []*Fragment
	for {
		f, err := r.Next()
		if err == io.EOF {
			return r.Init(), frags, nil
		}
		if err != nil {
			return nil, nil, err
		}
		frags = append(frags, f)
	}
}

// parseBoth parses data with Parse and with a Reader and checks they agree.
func parseBoth(t *testing.T, data []byte) (*Init, []*Fragment, error) {
	t.Helper()
	in, frags, err := Parse(data)
	rin, rfrags, rerr := readStream(data)
	if (err == nil) != (rerr == nil) {
		t.Fatalf("Parse: %v; Reader: %v", err, rerr)
	}
	if err != nil {
		return nil, nil, err
	}
	if !sameInit(in, rin) {
		t.Fatalf("Parse init %s, Reader init %s", descInit(in), descInit(rin))
	}
	if len(frags) != len(rfrags) {
		t.Fatalf("Parse: %d fragments, Reader: %d", len(frags), len(rfrags))
	}
	for i := range frags {
		if !sameFragment(frags[i], rfrags[i]) {
			t.Fatalf("fragment %d: Parse %s, Reader %s", i, desc(frags[i]), desc(rfrags[i]))
		}
	}
	return in, frags, nil
}

func sameInit(a, b *Init) bool {
	return bytes.Equal(a.Raw, b.Raw) && a.TrackID == b.TrackID && a.Timescale == b.Timescale &&
		a.Codec == b.Codec && a.Width == b.Width && a.Height == b.Height &&
		a.movieTimescale == b.movieTimescale && a.trex == b.trex
}

func sameFragment(a, b *Fragment) bool {
	return bytes.Equal(a.Raw, b.Raw) && a.Sequence == b.Sequence && a.BaseDecodeTime == b.BaseDecodeTime &&
		a.Duration == b.Duration && a.Samples == b.Samples && a.Keyframe == b.Keyframe &&
		a.PresentationOffset == b.PresentationOffset && a.pos == b.pos && a.noTfdt == b.noTfdt &&
		a.absolute == b.absolute
}

func TestSynthFragments(t *testing.T) {
	withTrex := oneVideo
	withTrex.trex = trex{duration: 3000, size: 7, flags: nonSyncFlags}
	for _, tc := range []struct {
		name  string
		in    synthInit
		frags []synthFrag
		want  []Fragment // Sequence, BaseDecodeTime, Duration, Samples, Keyframe, PresentationOffset
	}{
		{
			name: "tfdt v0, trun v0 with every field",
			in:   oneVideo,
			frags: []synthFrag{{seq: 7, base: 90000, tfhd: tfhdDefaultBaseIsMoof, runs: []synthRun{fullRun(0,
				synthSample{3000, 10, syncFlags, 6000}, synthSample{3000, 5, nonSyncFlags, 0}, synthSample{3000, 5, nonSyncFlags, 3000})}}},
			want: []Fragment{{Sequence: 7, BaseDecodeTime: 90000, Duration: 9000, Samples: 3, Keyframe: true, PresentationOffset: 6000}},
		},
		{
			name: "tfdt v1, trun v1 with negative composition offsets",
			in:   oneVideo,
			frags: []synthFrag{{seq: 1, tfdtV1: true, base: 1 << 40, tfhd: tfhdDefaultBaseIsMoof, runs: []synthRun{fullRun(1,
				synthSample{3000, 10, syncFlags, 0}, synthSample{3000, 5, nonSyncFlags, -3000})}}},
			want: []Fragment{{Sequence: 1, BaseDecodeTime: 1 << 40, Duration: 6000, Samples: 2, Keyframe: true}},
		},
		{
			name: "tfhd defaults, first_sample_flags",
			in:   oneVideo,
			frags: []synthFrag{{seq: 1, base: 0, tfhd: tfhdDefaultBaseIsMoof | tfhdDuration | tfhdSize | tfhdFlags | tfhdSampleDescription,
				def:  trex{duration: 3003, size: 4, flags: nonSyncFlags},
				runs: []synthRun{{flags: trunDataOffset | trunFirstFlags, count: 30, firstFlags: syncFlags}}}},
			want: []Fragment{{Sequence: 1, Duration: 30 * 3003, Samples: 30, Keyframe: true}},
		},
		{
			name:  "trex defaults: not a keyframe",
			in:    withTrex,
			frags: []synthFrag{{seq: 1, base: 6000, tfhd: tfhdDefaultBaseIsMoof, def: withTrex.trex, runs: []synthRun{{flags: trunDataOffset, count: 5}}}},
			want:  []Fragment{{Sequence: 1, BaseDecodeTime: 6000, Duration: 15000, Samples: 5}},
		},
		{
			name: "explicit base_data_offset, truns without data offsets",
			in:   oneVideo,
			frags: []synthFrag{{seq: 1, base: 0, explicit: true, def: trex{size: 3}, tfhd: tfhdSize, runs: []synthRun{
				{flags: trunDuration | trunFlags, samples: []synthSample{{dur: 100, flags: syncFlags}, {dur: 100, flags: nonSyncFlags}}},
				{flags: trunDuration, samples: []synthSample{{dur: 50}, {dur: 50}}},
			}}, {seq: 2, base: 300, explicit: true, def: trex{size: 3}, tfhd: tfhdSize, runs: []synthRun{
				{flags: trunDuration | trunFlags, samples: []synthSample{{dur: 100, flags: syncFlags}}},
			}}},
			want: []Fragment{{Sequence: 1, Duration: 300, Samples: 4, Keyframe: true},
				{Sequence: 2, BaseDecodeTime: 300, Duration: 100, Samples: 1, Keyframe: true}},
		},
		{
			name: "no tfdt: decode time follows the fragment before; 64-bit mdat",
			in:   oneVideo,
			frags: []synthFrag{
				{seq: 1, base: 500, tfhd: tfhdDefaultBaseIsMoof, mdat64: true, runs: []synthRun{fullRun(0, synthSample{100, 1, syncFlags, 0})}},
				{seq: 2, noTfdt: true, tfhd: tfhdDefaultBaseIsMoof, runs: []synthRun{fullRun(0, synthSample{100, 1, syncFlags, 0})}},
			},
			want: []Fragment{{Sequence: 1, BaseDecodeTime: 500, Duration: 100, Samples: 1, Keyframe: true},
				{Sequence: 2, BaseDecodeTime: 600, Duration: 100, Samples: 1, Keyframe: true}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := file(tc.in, tc.frags...)
			in, frags, err := parseBoth(t, data)
			if err != nil {
				t.Fatal(err)
			}
			if in.Codec != "avc1" || in.Width != 1280 || in.Height != 720 || in.Timescale != 90000 || in.TrackID != 1 {
				t.Errorf("init %s", descInit(in))
			}
			if len(frags) != len(tc.want) {
				t.Fatalf("%d fragments, want %d", len(frags), len(tc.want))
			}
			for i, f := range frags {
				w := tc.want[i]
				if f.Sequence != w.Sequence || f.BaseDecodeTime != w.BaseDecodeTime || f.Duration != w.Duration ||
					f.Samples != w.Samples || f.Keyframe != w.Keyframe || f.PresentationOffset != w.PresentationOffset {
					t.Errorf("fragment %d = %s\nwant %s", i, desc(f), desc(&w))
				}
				if f.End() != w.BaseDecodeTime+w.Duration {
					t.Errorf("fragment %d: End %d", i, f.End())
				}
			}
			if frags[len(frags)-1].noTfdt {
				if err := Write(io.Discard, in, frags, 0); custodian.ErrorCode(err) != custodian.EINVALID || !strings.Contains(err.Error(), "tfdt") {
					t.Errorf("Write of a fragment without tfdt = %v", err)
				}
				return
			}
			checkWrite(t, in, frags)
		})
	}
}

// checkWrite writes frags rebased to the first and checks what it reads back.
func checkWrite(t *testing.T, in *Init, frags []*Fragment) []byte {
	t.Helper()
	var out bytes.Buffer
	shift := frags[0].BaseDecodeTime
	if err := Write(&out, in, frags, shift); err != nil {
		t.Fatalf("Write: %v", err)
	}
	in2, got, err := parseBoth(t, out.Bytes())
	if err != nil {
		t.Fatalf("Parse of Write's output: %v", err)
	}
	if in2.Codec != in.Codec || in2.TrackID != in.TrackID || in2.Timescale != in.Timescale {
		t.Errorf("init changed: %s", descInit(in2))
	}
	if len(got) != len(frags) {
		t.Fatalf("%d fragments written, %d read", len(frags), len(got))
	}
	for i, f := range got {
		o := frags[i]
		if f.Sequence != uint32(i+1) || f.BaseDecodeTime != o.BaseDecodeTime-shift || f.Duration != o.Duration ||
			f.Samples != o.Samples || f.Keyframe != o.Keyframe || f.PresentationOffset != o.PresentationOffset {
			t.Errorf("fragment %d written as %s from %s", i, desc(f), desc(o))
		}
		// The sample data is untouched.
		if !bytes.Equal(mdatPayload(f.Raw), mdatPayload(o.Raw)) {
			t.Errorf("fragment %d: mdat changed", i)
		}
	}
	return out.Bytes()
}

func mdatPayload(raw []byte) []byte {
	moof, _ := parseHeader(raw, 0, "")
	mdat, _ := parseHeader(raw[moof.size:], 0, "")
	return raw[moof.size+int64(mdat.hlen):]
}

func TestBoxesBetweenFragments(t *testing.T) {
	in := oneVideo
	in.before = []string{"free", "skip"}
	f1 := synthFrag{seq: 1, tfhd: tfhdDefaultBaseIsMoof, runs: []synthRun{fullRun(0, synthSample{100, 4, syncFlags, 0})}}
	f2 := f1
	f2.seq, f2.base = 2, 100
	data := in.bytes()
	data = append(data, box("styp", []byte("msdh\x00\x00\x00\x00msdh")...)...)
	data = append(data, box("sidx", make([]byte, 32)...)...)
	data = append(data, box("prft", make([]byte, 16)...)...)
	data = append(data, f1.bytes()...)
	data = append(data, box("free")...)
	data = append(data, box("emsg", make([]byte, 40)...)...)
	data = append(data, f2.bytes()...)
	data = append(data, box("mfra", make([]byte, 8)...)...)
	data = append(data, 0, 0, 0, 0, 'f', 'r', 'e', 'e', 1, 2, 3) // size 0: to the end
	init, frags, err := parseBoth(t, data)
	if err != nil {
		t.Fatal(err)
	}
	if len(frags) != 2 || frags[1].BaseDecodeTime != 100 || !bytes.HasSuffix(init.Raw, in.bytes()[len(in.bytes())-20:]) {
		t.Fatalf("got %d fragments", len(frags))
	}
	if !bytes.Contains(init.Raw, []byte("skip")) {
		t.Errorf("the boxes before moov are not kept in Init.Raw")
	}
	for _, f := range frags {
		if string(f.Raw[4:8]) != "moof" {
			t.Errorf("Raw begins with %q", f.Raw[4:8])
		}
	}
	checkWrite(t, init, frags)
}

func TestWriteEditList(t *testing.T) {
	frag := func(seq uint32, base uint64, cto int32) synthFrag {
		return synthFrag{seq: seq, base: base, tfhd: tfhdDefaultBaseIsMoof, runs: []synthRun{fullRun(0,
			synthSample{3000, 4, syncFlags, cto}, synthSample{3000, 4, nonSyncFlags, 0})}}
	}
	t.Run("composition offset", func(t *testing.T) {
		in := oneVideo
		in.mehd = true
		init, frags, err := Parse(file(in, frag(1, 90000, 6000), frag(2, 96000, 6000), frag(3, 120000, 6000)))
		if err != nil {
			t.Fatal(err)
		}
		out := checkWrite(t, init, frags[1:])
		// elst: one edit of (120000+6000-96000)/90000 s = 1/3 s in the movie timescale
		// (1000), rounded up, from media time 6000.
		i := bytes.Index(out, []byte("elst"))
		if i < 0 {
			t.Fatal("no edit list")
		}
		e := out[i+4:]
		if v := binary.BigEndian.Uint32(e); v != 0 {
			t.Errorf("elst version/flags %x", v)
		}
		if n, d, m, r := binary.BigEndian.Uint32(e[4:]), binary.BigEndian.Uint32(e[8:]), binary.BigEndian.Uint32(e[12:]), binary.BigEndian.Uint32(e[16:]); n != 1 || d != 334 || m != 6000 || r != 1<<16 {
			t.Errorf("elst: %d entries, duration %d, media time %d, rate %x", n, d, m, r)
		}
		if bytes.Contains(out, []byte("mehd")) {
			t.Error("the input's mehd was kept")
		}
		if !bytes.Contains(init.Raw, []byte("mehd")) {
			t.Error("Write modified Init.Raw")
		}
	})
	t.Run("no composition offset", func(t *testing.T) {
		init, frags, err := Parse(file(oneVideo, frag(1, 0, 0), frag(2, 6000, 0)))
		if err != nil {
			t.Fatal(err)
		}
		out := checkWrite(t, init, frags)
		if !bytes.HasPrefix(out, init.Raw) {
			t.Error("the init was rewritten though it needs no edit list")
		}
	})
}

func TestBuilder(t *testing.T) {
	var w builder
	outer := w.start("moov")
	inner := w.startFull("mvhd", 1, 0x020001)
	w.u16(0xabcd)
	w.end(inner)
	w.end(outer)
	want := []byte{0, 0, 0, 22, 'm', 'o', 'o', 'v', 0, 0, 0, 14, 'm', 'v', 'h', 'd', 1, 2, 0, 1, 0xab, 0xcd}
	if !bytes.Equal(w.b, want) {
		t.Errorf("builder: % x", w.b)
	}
	if h := mdatHeader(10); !bytes.Equal(h, []byte{0, 0, 0, 18, 'm', 'd', 'a', 't'}) {
		t.Errorf("mdatHeader(10) = % x", h)
	}
	if h := mdatHeader(1 << 32); !bytes.Equal(h, []byte{0, 0, 0, 1, 'm', 'd', 'a', 't', 0, 0, 0, 1, 0, 0, 0, 16}) {
		t.Errorf("mdatHeader(2^32) = % x", h)
	}
}

func TestErrors(t *testing.T) {
	good := synthFrag{seq: 1, tfhd: tfhdDefaultBaseIsMoof, runs: []synthRun{fullRun(0, synthSample{100, 4, syncFlags, 0})}}
	withFrag := func(f synthFrag) []byte { return file(oneVideo, f) }
	audio := synthTrack{id: 2, handler: "soun", codec: "mp4a", timescale: 48000}
	video := videoTrack()
	other := func(mod func(*synthTrack)) []byte {
		t := videoTrack()
		mod(&t)
		return synthInit{tracks: []synthTrack{t}}.bytes()
	}
	rename := func(b []byte, from, to string) []byte {
		return bytes.Replace(b, []byte(from), []byte(to), 1)
	}
	patch := func(b []byte, at string, v uint32) []byte {
		b = bytes.Clone(b)
		i := bytes.Index(b, []byte(at))
		putU32(b, i+len(at), v)
		return b
	}
	valid := withFrag(good)
	for _, tc := range []struct {
		name string
		data []byte
		want string // in the English message
	}{
		{"empty", nil, "empty"},
		{"text", []byte("hello, this is not a video\n"), "not an MP4"},
		{"no ftyp", synthInit{noFtyp: true, tracks: []synthTrack{video}}.bytes(), "does not begin with an ftyp"},
		{"no moov", box("ftyp", make([]byte, 8)...), "no moov"},
		{"mdat first", append(box("ftyp", make([]byte, 8)...), box("mdat", 1, 2)...), "mdat comes before moov"},
		{"not fragmented", synthInit{noMvex: true, tracks: []synthTrack{video}}.bytes(), "no mvex"},
		{"audio only", synthInit{tracks: []synthTrack{audio}}.bytes(), "PIPA Art. 25(5)"},
		{"video and audio", synthInit{tracks: []synthTrack{video, audio}}.bytes(), "audio is never recorded"},
		{"two videos", synthInit{tracks: []synthTrack{video, video}}.bytes(), "2 tracks"},
		{"subtitles", other(func(t *synthTrack) { t.handler = "sbtl" }), "not a video track"},
		{"mpeg-4 part 2", other(func(t *synthTrack) { t.codec = "mp4v" }), "unsupported codec mp4v"},
		{"timescale 0", other(func(t *synthTrack) { t.timescale = 0 }), "timescale is 0"},
		{"track 0", other(func(t *synthTrack) { t.id = 0 }), "track_ID is 0"},
		{"two sample descriptions", synthInit{tracks: []synthTrack{video}, stsdCount: 2}.bytes(), "2 sample descriptions"},
		{"other track", withFrag(synthFrag{seq: 1, track: 9, tfhd: tfhdDefaultBaseIsMoof, runs: good.runs}), "track 9"},
		{"data past mdat", patch(valid, "trun\x00\x00\x0f\x01\x00\x00\x00\x01", 4000), "outside the mdat"},
		{"data in moof", patch(valid, "trun\x00\x00\x0f\x01\x00\x00\x00\x01", 8), "outside the mdat"},
		{"sample count too large", patch(valid, "trun\x00\x00\x0f\x01", 1<<30), "do not fit"},
		{"endless defaults", withFrag(synthFrag{seq: 1, tfhd: tfhdDefaultBaseIsMoof | tfhdDuration, def: trex{duration: 0xffffffff},
			runs: []synthRun{{flags: trunDataOffset, count: 0xffffffff}}}), "too long"},
		{"decode time overflows", withFrag(synthFrag{seq: 1, tfdtV1: true, base: 1<<64 - 10, tfhd: tfhdDefaultBaseIsMoof, runs: good.runs}), "overflows"},
		{"moof without mdat", valid[:len(valid)-12], "not followed by an mdat"},
		{"mdat without moof", append(oneVideo.bytes(), box("mdat", 1, 2, 3)...), "mdat box without a moof"},
		{"two files joined", append(bytes.Clone(valid), valid...), "two files joined"},
		{"box too large", append(oneVideo.bytes(), 0x7f, 0, 0, 0, 'm', 'o', 'o', 'f'), "too large"},
		{"box smaller than its header", append(oneVideo.bytes(), 0, 0, 0, 4, 'm', 'o', 'o', 'f'), "smaller than its header"},
		{"truncated header", append(oneVideo.bytes(), 0, 0, 0), "truncated"},
		{"64-bit size 0", append(oneVideo.bytes(), 0, 0, 0, 1, 'm', 'o', 'o', 'f', 0, 0, 0, 0, 0, 0, 0, 0), "smaller than its header"},
		{"truncated fragment", valid[:len(valid)-2], "mdat box at offset"},
		{"truncated moov", oneVideo.bytes()[:100], "runs past the data"},
		{"no tfhd", rename(valid, "tfhd", "xfhd"), "no tfhd"},
		{"no mfhd", rename(valid, "mfhd", "xfhd"), "no mfhd"},
		{"no traf", rename(valid, "traf", "xraf"), "no traf"},
		{"no mvhd", rename(valid, "mvhd", "xvhd"), "no mvhd"},
		{"no stsd", rename(valid, "stsd", "xtsd"), "missing"},
		{"no hdlr", rename(valid, "hdlr", "xdlr"), "missing"},
		{"second moov", append(bytes.Clone(valid), oneVideo.bytes()[24:]...), "moov box between fragments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := parseBoth(t, tc.data)
			var ce *custodian.Error
			if !errors.As(err, &ce) || ce.Code != custodian.EINVALID {
				t.Fatalf("err = %v, want a custodian.Error with EINVALID", err)
			}
			if !strings.Contains(ce.En, tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
			if ce.Ko == "" || ce.Ko == ce.En {
				t.Errorf("no Korean message: %v", err)
			}
			if !strings.Contains(ce.En, "at offset") {
				t.Errorf("the error does not name an offset: %v", err)
			}
		})
	}
}

// TestPathological feeds inputs built to be slow or deep: they must be refused or read in
// time proportional to their size, without deep recursion.
func TestPathological(t *testing.T) {
	t.Run("nested boxes", func(t *testing.T) {
		// A trak with 500,000 mdia boxes nested in one another (4 MB).
		const depth = 500000
		var b []byte
		b = append(b, box("ftyp", make([]byte, 8)...)...)
		inner := 8 * depth
		head := make([]byte, 0, 8*depth+16)
		for i := 0; i < depth; i++ {
			head = binary.BigEndian.AppendUint32(head, uint32(inner-8*i))
			head = append(head, "mdia"...)
		}
		trak := box("trak", head...)
		moov := box("moov", trak...)
		b = append(b, moov...)
		start := time.Now()
		_, _, err := parseBoth(t, b)
		if custodian.ErrorCode(err) != custodian.EINVALID {
			t.Fatalf("err = %v", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %v", d)
		}
	})
	t.Run("many small boxes", func(t *testing.T) {
		// 200,000 empty free boxes before moov and between fragments (1.6 MB each): read
		// in linear time this takes milliseconds; copying the init for every box would
		// copy 160 GB.
		frees := bytes.Repeat([]byte{0, 0, 0, 8, 'f', 'r', 'e', 'e'}, 200000)
		init := oneVideo.bytes()
		f := synthFrag{seq: 1, tfhd: tfhdDefaultBaseIsMoof, runs: []synthRun{fullRun(0, synthSample{100, 4, syncFlags, 0})}}
		var b []byte
		b = append(b, init[:24]...) // ftyp
		b = append(b, frees...)
		b = append(b, init[24:]...)
		b = append(b, frees...)
		f.pos = int64(len(b))
		b = append(b, f.bytes()...)
		start := time.Now()
		in, frags, err := parseBoth(t, b)
		if err != nil || len(frags) != 1 || len(in.Raw) != len(init)+len(frees) {
			t.Fatalf("%d fragments, %v", len(frags), err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("took %v", d)
		}
	})
}

// failingReader returns its data, then err.
type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(b []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(b, r.data)
	r.data = r.data[n:]
	return n, nil
}

// TestReaderPassesErrors: an error of the underlying reader (a failed ffmpeg, a chunk
// that does not decrypt) comes out of the Reader unchanged, not as a truncation.
func TestReaderPassesErrors(t *testing.T) {
	boom := errors.New("chunk 3 does not verify")
	data := file(oneVideo, synthFrag{seq: 1, tfhd: tfhdDefaultBaseIsMoof, runs: []synthRun{fullRun(0, synthSample{100, 4, syncFlags, 0})}})
	init := oneVideo.bytes()
	if _, err := NewReader(&failingReader{data: init[:50], err: boom}); err != boom {
		t.Errorf("NewReader = %v", err)
	}
	r, err := NewReader(&failingReader{data: data[:len(data)-2], err: boom})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err != boom {
		t.Errorf("Next = %v", err)
	}
	if _, err := r.Next(); err != boom {
		t.Errorf("Next after the error = %v", err)
	}
}

func TestClipWriterErrors(t *testing.T) {
	init, frags, err := Parse(file(oneVideo,
		synthFrag{seq: 1, base: 0, tfhd: tfhdDefaultBaseIsMoof, runs: []synthRun{fullRun(0, synthSample{100, 4, syncFlags, 0})}},
		synthFrag{seq: 2, tfdtV1: true, base: 100, tfhd: tfhdDefaultBaseIsMoof, runs: []synthRun{fullRun(0, synthSample{100, 4, syncFlags, 0})}}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewClipWriter(io.Discard, nil, 0, 0); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Errorf("NewClipWriter(nil) = %v", err)
	}
	// A version 0 tfdt cannot hold 2^32; a version 1 tfdt can.
	cw, err := NewClipWriter(io.Discard, init, 0, 1<<40)
	if err != nil {
		t.Fatal(err)
	}
	if err := cw.Write(frags[0], 1<<32); custodian.ErrorCode(err) != custodian.EINVALID || !strings.Contains(err.Error(), "32-bit") {
		t.Errorf("Write of 2^32 into tfdt v0 = %v", err)
	}
	if err := cw.Write(frags[1], 1<<32); err != nil {
		t.Errorf("Write of 2^32 into tfdt v1 = %v", err)
	}
	// A failing writer: its error, then the same error again.
	boom := errors.New("disk full")
	cw, err = NewClipWriter(&failingWriter{n: 1, err: boom}, init, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if err := cw.Write(frags[0], 0); err != boom {
		t.Errorf("Write = %v", err)
	}
	if err := cw.Write(frags[1], 500); err != boom {
		t.Errorf("Write after a failure = %v", err)
	}
	if err := Write(&failingWriter{err: boom}, init, frags, 0); err != boom {
		t.Errorf("Write = %v", err)
	}
}

// failingWriter accepts n writes, then fails.
type failingWriter struct {
	n   int
	err error
}

func (w *failingWriter) Write(b []byte) (int, error) {
	if w.n == 0 {
		return 0, w.err
	}
	w.n--
	return len(b), nil
}
