package fmp4

import (
	"encoding/binary"
	"io"
	"math"
	"slices"

	"custodian"
)

// Track describes the one video track of a recorded segment: what MuxInit needs to write
// an init segment (ISO/IEC 14496-12 and 14496-15, CMAF).
type Track struct {
	// Codec is the sample entry: "avc1" (H.264, parameter sets in avcC and in band) or
	// "hvc1" (H.265, hvcC).
	Codec string
	// Config is the decoder configuration record: the payload of the avcC box
	// (AVCDecoderConfigurationRecord) or of the hvcC box (HEVCDecoderConfigurationRecord).
	Config        []byte
	Width, Height uint16
	// Timescale is the units per second of every decode time and duration (90000 for
	// RTP video, so that RTP timestamps map without rounding).
	Timescale uint32
}

// MuxTrackID is the track_ID of the one track that MuxInit writes.
const MuxTrackID = 1

// MuxInit returns the init segment (ftyp + moov) of a fragmented MP4 with the one video
// track t: no samples in moov, an mvex with a trex, no edit list, all times 0. It is
// refused when the codec is not one of avc1/hvc1 or a field is zero.
func MuxInit(t Track) ([]byte, error) {
	var cfgBox string
	switch t.Codec {
	case "avc1", "avc3":
		cfgBox = "avcC"
	case "hvc1", "hev1":
		cfgBox = "hvcC"
	default:
		return nil, custodian.Errorf(custodian.EINVALID, "지원하지 않는 코덱입니다 (%q): avc1, hvc1만 씁니다",
			"unsupported codec %q: only avc1 and hvc1 are written", t.Codec)
	}
	switch {
	case len(t.Config) == 0:
		return nil, custodian.Errorf(custodian.EINVALID, "디코더 설정(%s)이 비어 있습니다", "the decoder configuration (%s) is empty", cfgBox)
	case t.Width == 0 || t.Height == 0:
		return nil, custodian.Errorf(custodian.EINVALID, "영상 크기 %dx%d가 잘못되었습니다", "video size %dx%d is invalid", t.Width, t.Height)
	case t.Timescale == 0:
		return nil, custodian.Errorf(custodian.EINVALID, "timescale이 0입니다", "the timescale is 0")
	}
	w := &builder{b: make([]byte, 0, 768+len(t.Config))}

	ftyp := w.start("ftyp")
	w.fourcc("iso6") // major brand
	w.u32(0)         // minor version
	for _, b := range []string{"iso6", "cmfc", "mp41", t.Codec[:3] + "1"} {
		w.fourcc(b)
	}
	w.end(ftyp)

	moov := w.start("moov")
	mvhd := w.startFull("mvhd", 0, 0)
	w.u32(0)              // creation_time
	w.u32(0)              // modification_time
	w.u32(1000)           // timescale (of edit lists; there are none)
	w.u32(0)              // duration: unknown (fragmented)
	w.u32(0x00010000)     // rate 1.0
	w.u16(0x0100)         // volume 1.0
	w.zeros(2 + 8)        // reserved
	writeMatrix(w)        // unity matrix
	w.zeros(24)           // pre_defined
	w.u32(MuxTrackID + 1) // next_track_ID
	w.end(mvhd)

	trak := w.start("trak")
	tkhd := w.startFull("tkhd", 0, 0x000003) // enabled, in movie
	w.u32(0)                                 // creation_time
	w.u32(0)                                 // modification_time
	w.u32(MuxTrackID)                        // track_ID
	w.u32(0)                                 // reserved
	w.u32(0)                                 // duration
	w.zeros(8)                               // reserved
	w.u16(0)                                 // layer
	w.u16(0)                                 // alternate_group
	w.u16(0)                                 // volume (0 for video)
	w.u16(0)                                 // reserved
	writeMatrix(w)
	w.u32(uint32(t.Width) << 16)
	w.u32(uint32(t.Height) << 16)
	w.end(tkhd)

	mdia := w.start("mdia")
	mdhd := w.startFull("mdhd", 0, 0)
	w.u32(0) // creation_time
	w.u32(0) // modification_time
	w.u32(t.Timescale)
	w.u32(0)      // duration
	w.u16(0x55c4) // language "und"
	w.u16(0)      // pre_defined
	w.end(mdhd)
	hdlr := w.startFull("hdlr", 0, 0)
	w.u32(0) // pre_defined
	w.fourcc("vide")
	w.zeros(12) // reserved
	w.bytes([]byte("Custodian video\x00"))
	w.end(hdlr)

	minf := w.start("minf")
	vmhd := w.startFull("vmhd", 0, 1)
	w.zeros(8) // graphicsmode, opcolor
	w.end(vmhd)
	dinf := w.start("dinf")
	dref := w.startFull("dref", 0, 0)
	w.u32(1)
	url := w.startFull("url ", 0, 1) // self-contained
	w.end(url)
	w.end(dref)
	w.end(dinf)

	stbl := w.start("stbl")
	stsd := w.startFull("stsd", 0, 0)
	w.u32(1) // entry_count
	entry := w.start(t.Codec)
	w.zeros(6)  // reserved
	w.u16(1)    // data_reference_index
	w.zeros(16) // pre_defined, reserved
	w.u16(t.Width)
	w.u16(t.Height)
	w.u32(0x00480000) // horizresolution 72 dpi
	w.u32(0x00480000) // vertresolution
	w.u32(0)          // reserved
	w.u16(1)          // frame_count
	w.zeros(32)       // compressorname
	w.u16(0x0018)     // depth
	w.u16(0xffff)     // pre_defined = -1
	cfg := w.start(cfgBox)
	w.bytes(t.Config)
	w.end(cfg)
	w.end(entry)
	w.end(stsd)
	for _, typ := range []string{"stts", "stsc", "stco"} {
		b := w.startFull(typ, 0, 0)
		w.u32(0) // entry_count
		w.end(b)
	}
	stsz := w.startFull("stsz", 0, 0)
	w.u32(0) // sample_size
	w.u32(0) // sample_count
	w.end(stsz)
	w.end(stbl)
	w.end(minf)
	w.end(mdia)
	w.end(trak)

	mvex := w.start("mvex")
	trex := w.startFull("trex", 0, 0)
	w.u32(MuxTrackID)
	w.u32(1) // default_sample_description_index
	w.u32(0) // default_sample_duration
	w.u32(0) // default_sample_size
	w.u32(0) // default_sample_flags
	w.end(trex)
	w.end(mvex)
	w.end(moov)
	return w.b, nil
}

// writeMatrix writes the unity transformation matrix of mvhd and tkhd.
func writeMatrix(w *builder) {
	for _, v := range []uint32{0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000} {
		w.u32(v)
	}
}

// FragmentBuilder collects the frames of one movie fragment and writes it as a moof + mdat
// pair: tfhd with default-base-is-moof, tfdt (version 1), and one trun with each sample's
// duration, size, flags and, when frames are reordered (B-frames), signed composition
// offsets (trun version 1). Sample data is stored as length-prefixed NAL units (4-byte
// lengths, as avcC/hvcC declare). A builder is reused: Reset after WriteTo.
//
// Frames are added in decode order with their presentation times (RTP timestamps, in the
// track's timescale). Decode times are the presentation times sorted: the k-th frame in
// decode order is decoded at the k-th smallest presentation time. Without B-frames the two
// are equal and every composition offset is 0; with them, a frame presented before one
// decoded earlier gets a negative offset, which trun version 1 allows, and the keyframe
// that starts the fragment keeps offset 0.
type FragmentBuilder struct {
	mdat    []byte
	samples []muxSample
	sorted  []int64
	moof    builder
}

type muxSample struct {
	size uint32
	pts  int64
	key  bool
}

// Add appends one frame made of the given NAL units (without start codes), copied, with
// its presentation time pts.
func (f *FragmentBuilder) Add(nalus [][]byte, pts int64, key bool) {
	n := 0
	for _, u := range nalus {
		f.mdat = binary.BigEndian.AppendUint32(f.mdat, uint32(len(u)))
		f.mdat = append(f.mdat, u...)
		n += 4 + len(u)
	}
	f.samples = append(f.samples, muxSample{size: uint32(n), pts: pts, key: key})
}

// Len returns the number of frames; Size the bytes of sample data.
func (f *FragmentBuilder) Len() int  { return len(f.samples) }
func (f *FragmentBuilder) Size() int { return len(f.mdat) }

// Span returns the smallest and largest presentation times added (0, 0 when empty).
func (f *FragmentBuilder) Span() (first, last int64) {
	if len(f.samples) == 0 {
		return 0, 0
	}
	first, last = f.samples[0].pts, f.samples[0].pts
	for _, s := range f.samples[1:] {
		first, last = min(first, s.pts), max(last, s.pts)
	}
	return first, last
}

// Reset empties the builder, keeping its buffers.
func (f *FragmentBuilder) Reset() {
	f.mdat = f.mdat[:0]
	f.samples = f.samples[:0]
}

// Sample flags (ISO/IEC 14496-12 8.8.3.1): sample_depends_on = 2 (does not depend on
// others) for a sync sample; sample_depends_on = 1 and sample_is_non_sync_sample for others.
const (
	flagsSync    = 0x02000000
	flagsNonSync = 0x01010000
)

// WriteTo writes the fragment with sequence number seq (from 1). origin is the
// presentation time that is decode time 0 of the segment (the first frame's), and end the
// presentation time just after the fragment's last frame (the next fragment's first frame,
// or the last frame plus one frame duration): it gives the last frame its duration. The
// fragment's frames must lie in [origin, end), with distinct presentation times. WriteTo
// writes nothing when the builder is empty.
func (f *FragmentBuilder) WriteTo(w io.Writer, seq uint32, origin, end int64) (int64, error) {
	if len(f.samples) == 0 {
		return 0, nil
	}
	f.sorted = f.sorted[:0]
	for _, s := range f.samples {
		f.sorted = append(f.sorted, s.pts)
	}
	slices.Sort(f.sorted)
	first, last := f.sorted[0], f.sorted[len(f.sorted)-1]
	if first < origin || last >= end {
		return 0, custodian.Errorf(custodian.EINVALID,
			"조각의 표시 시각 [%d, %d]이 구간 [%d, %d) 밖에 있습니다",
			"the fragment's presentation times [%d, %d] lie outside [%d, %d)", first, last, origin, end)
	}
	if end-first > math.MaxInt32 {
		return 0, custodian.Errorf(custodian.EINVALID, "조각이 너무 깁니다 (%d)", "the fragment is too long (%d)", end-first)
	}
	reordered := false
	for i, s := range f.samples {
		if s.pts != f.sorted[i] {
			reordered = true
		}
		if i > 0 && f.sorted[i] == f.sorted[i-1] {
			return 0, custodian.Errorf(custodian.EINVALID,
				"두 프레임의 표시 시각이 같습니다 (%d)", "two frames have the same presentation time (%d)", f.sorted[i])
		}
	}
	m := &f.moof
	m.b = m.b[:0]
	moof := m.start("moof")
	mfhd := m.startFull("mfhd", 0, 0)
	m.u32(seq)
	m.end(mfhd)
	traf := m.start("traf")
	tfhd := m.startFull("tfhd", 0, tfhdDefaultBaseIsMoof)
	m.u32(MuxTrackID)
	m.end(tfhd)
	tfdt := m.startFull("tfdt", 1, 0)
	m.u64(uint64(first - origin))
	m.end(tfdt)
	var trun int
	if reordered {
		trun = m.startFull("trun", 1, trunDataOffset|trunDuration|trunSize|trunFlags|trunComposition)
	} else {
		trun = m.startFull("trun", 0, trunDataOffset|trunDuration|trunSize|trunFlags)
	}
	m.u32(uint32(len(f.samples)))
	offAt := len(m.b)
	m.u32(0) // data_offset, filled in below
	for i, s := range f.samples {
		next := end
		if i+1 < len(f.sorted) {
			next = f.sorted[i+1]
		}
		m.u32(uint32(next - f.sorted[i]))
		m.u32(s.size)
		if s.key {
			m.u32(flagsSync)
		} else {
			m.u32(flagsNonSync)
		}
		if reordered {
			m.u32(uint32(int32(s.pts - f.sorted[i])))
		}
	}
	m.end(trun)
	m.end(traf)
	m.end(moof)
	hdr := mdatHeader(uint64(len(f.mdat)))
	// The data offset counts from the start of the moof to the first sample byte.
	putU32(m.b, offAt, uint32(len(m.b)+len(hdr)))
	m.b = append(m.b, hdr...)
	n, err := w.Write(m.b)
	total := int64(n)
	if err != nil {
		return total, err
	}
	n, err = w.Write(f.mdat)
	return total + int64(n), err
}

// AppendFrame appends to dst a fragment (moof + mdat) of the one frame made of nalus
// (without start codes), with an explicit decode time: live streaming, where a frame is
// sent as soon as its decode time is known rather than with its group of pictures.
// dts is the decode time (in the track's timescale, from the stream's origin), dur the
// time to the next frame's decode time, and cto the composition offset (presentation
// time minus decode time; negative with B-frames, written in trun version 1).
func AppendFrame(dst []byte, seq uint32, dts uint64, dur uint32, cto int32, key bool, nalus [][]byte) []byte {
	size := 0
	for _, u := range nalus {
		size += 4 + len(u)
	}
	m := &builder{b: dst}
	moof := m.start("moof")
	mfhd := m.startFull("mfhd", 0, 0)
	m.u32(seq)
	m.end(mfhd)
	traf := m.start("traf")
	tfhd := m.startFull("tfhd", 0, tfhdDefaultBaseIsMoof)
	m.u32(MuxTrackID)
	m.end(tfhd)
	tfdt := m.startFull("tfdt", 1, 0)
	m.u64(dts)
	m.end(tfdt)
	trun := m.startFull("trun", 1, trunDataOffset|trunDuration|trunSize|trunFlags|trunComposition)
	m.u32(1)
	offAt := len(m.b)
	m.u32(0) // data_offset, filled in below
	m.u32(dur)
	m.u32(uint32(size))
	if key {
		m.u32(flagsSync)
	} else {
		m.u32(flagsNonSync)
	}
	m.u32(uint32(cto))
	m.end(trun)
	m.end(traf)
	m.end(moof)
	hdr := mdatHeader(uint64(size))
	putU32(m.b, offAt, uint32(len(m.b)-moof+len(hdr)))
	m.b = append(m.b, hdr...)
	for _, u := range nalus {
		m.b = binary.BigEndian.AppendUint32(m.b, uint32(len(u)))
		m.b = append(m.b, u...)
	}
	return m.b
}
