package fmp4

import (
	"math/bits"
)

// Fragment is one movie fragment: a moof box and the mdat that follows it.
type Fragment struct {
	// Raw is moof + mdat (a styp, sidx or prft before the moof is dropped). Parse returns a
	// slice of its input; Reader a buffer of its own. See Relocatable before storing it
	// elsewhere as it is.
	Raw []byte

	Sequence       uint32 // mfhd sequence_number
	BaseDecodeTime uint64 // tfdt, in the init's Timescale units (if absent: the previous End)
	Duration       uint64 // sum of the sample durations (trun, else tfhd, else trex default)
	Samples        int    // number of samples
	Keyframe       bool   // the first sample is a sync sample

	// PresentationOffset is the composition offset of the first sample (the keyframe):
	// its presentation time minus BaseDecodeTime, which B-frames make positive. Write puts
	// it into an edit list so that a clip is presented from its first keyframe at 0.
	// (Leading pictures of an open GOP, presented before the keyframe, are cut: they need
	// the GOP before, which a clip does not have.)
	PresentationOffset int64

	pos      int64 // offset of the moof in the input (explicit base_data_offsets are absolute)
	noTfdt   bool  // the fragment has no tfdt: BaseDecodeTime was inferred
	absolute bool  // a tfhd has an explicit base_data_offset
}

// Relocatable reports whether Raw is valid wherever it is put: its sample data is addressed
// from the moof (default-base-is-moof, as ffmpeg.Fragmented and CMAF write), not by an
// absolute base_data_offset in a tfhd, which holds only at the fragment's original position
// in its input. Write and ClipWriter rewrite such offsets; copying Raw elsewhere does not.
func (f *Fragment) Relocatable() bool { return !f.absolute }

// End returns the decode time just after the fragment: BaseDecodeTime + Duration.
func (f *Fragment) End() uint64 { return f.BaseDecodeTime + f.Duration }

// Flag bits (ISO/IEC 14496-12, 8.8.7 and 8.8.8).
const (
	tfhdBaseDataOffset    = 0x000001
	tfhdSampleDescription = 0x000002
	tfhdDuration          = 0x000008
	tfhdSize              = 0x000010
	tfhdFlags             = 0x000020
	tfhdDefaultBaseIsMoof = 0x020000

	trunDataOffset  = 0x000001
	trunFirstFlags  = 0x000004
	trunDuration    = 0x000100
	trunSize        = 0x000200
	trunFlags       = 0x000400
	trunComposition = 0x000800

	sampleNonSync = 0x00010000 // sample_is_non_sync_sample in sample flags
)

// maxFragmentDuration bounds one fragment's duration (in timescale units) so that decode
// and presentation times stay far from overflow: 2^48 ticks is 99 years at 90 kHz.
const maxFragmentDuration = 1 << 48

// fragLayout is where the fields that Write rewrites lie in a fragment's Raw.
type fragLayout struct {
	seq   int     // mfhd sequence_number (4 bytes)
	mdat  int     // the mdat's size field when it is 0 ("to the end"), else -1
	tfdts []field // tfdt baseMediaDecodeTime of every traf
	bases []int   // tfhd base_data_offset (8 bytes) of every traf that has one
}

type field struct {
	at   int
	wide bool // 8 bytes (version 1) rather than 4
}

// parseFragment parses raw, a moof box followed by its mdat box, found at offset pos of
// the input. prevEnd is the End of the fragment before (the decode time when raw has no
// tfdt).
func parseFragment(raw []byte, pos int64, in *Init, prevEnd uint64) (*Fragment, *fragLayout, error) {
	moof, err := parseHeader(raw, pos, "")
	if err != nil {
		return nil, nil, err
	}
	if moof.typ != "moof" {
		return nil, nil, errorf(moof.typ, pos, "moof 상자가 아닙니다", "not a moof box")
	}
	mdat, err := parseHeader(raw[moof.size:], pos+moof.size, "")
	if err != nil {
		return nil, nil, err
	}
	if mdat.typ != "mdat" {
		return nil, nil, errorf(mdat.typ, mdat.off, "moof 다음에 mdat 상자가 없습니다",
			"the moof is not followed by an mdat box")
	}
	if moof.size+mdat.size != int64(len(raw)) {
		return nil, nil, errorf("mdat", mdat.end(), "mdat 뒤에 다른 데이터가 있습니다",
			"data follows the mdat")
	}
	p := fragParser{
		f:         &Fragment{Raw: raw, pos: pos},
		lay:       &fragLayout{seq: -1, mdat: -1},
		in:        in,
		pos:       pos,
		dataStart: moof.size + int64(mdat.hlen),
		dataEnd:   int64(len(raw)),
	}
	if getU32(raw, int(moof.size)) == 0 {
		p.lay.mdat = int(moof.size)
	}
	err = children(raw[moof.hlen:moof.size], pos+int64(moof.hlen), "moof", p.moofChild)
	if err != nil {
		return nil, nil, err
	}
	f := p.f
	if p.lay.seq < 0 {
		return nil, nil, errorf("moof/mfhd", pos, "mfhd 상자가 없습니다", "there is no mfhd box")
	}
	if p.trafs == 0 {
		return nil, nil, errorf("moof/traf", pos, "traf 상자가 없습니다", "there is no traf box")
	}
	if f.noTfdt {
		f.BaseDecodeTime = prevEnd
	}
	if _, carry := bits.Add64(f.BaseDecodeTime, f.Duration, 0); carry != 0 {
		return nil, nil, errorf("moof/traf/tfdt", pos, "디코드 시각이 넘칩니다", "the decode time overflows")
	}
	return f, p.lay, nil
}

// fragParser holds the state of parsing one fragment.
type fragParser struct {
	f     *Fragment
	lay   *fragLayout
	in    *Init
	pos   int64
	trafs int

	dataStart, dataEnd int64 // the mdat payload, as offsets in Raw
	nextData           int64 // where the data of a trun without data_offset starts

	first bool // the first sample has been seen
}

func (p *fragParser) moofChild(c child) error {
	switch c.typ {
	case "mfhd":
		if p.lay.seq >= 0 {
			return errorf(c.path, c.off, "mfhd 상자가 두 개입니다", "a second mfhd box")
		}
		cur := newCursor(c)
		cur.full()
		p.f.Sequence = cur.u32()
		if cur.err != nil {
			return cur.err
		}
		p.lay.seq = int(c.off-p.pos) + c.hlen + 4
	case "traf":
		return p.traf(c)
	}
	return nil
}

// traf parses one track fragment: tfhd, tfdt and its truns.
func (p *fragParser) traf(traf child) error {
	var (
		tfhd  *child
		tfdt  *child
		truns []child
	)
	err := children(traf.data, traf.off+int64(traf.hlen), traf.path, func(c child) error {
		switch c.typ {
		case "tfhd", "tfdt":
			if (c.typ == "tfhd" && tfhd != nil) || (c.typ == "tfdt" && tfdt != nil) {
				return errorf(c.path, c.off, "%s 상자가 두 개입니다", "a second %s box", c.typ)
			}
			if c.typ == "tfhd" {
				tfhd = &c
			} else {
				tfdt = &c
			}
		case "trun":
			truns = append(truns, c)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if tfhd == nil {
		return errorf("moof/traf/tfhd", traf.off, "tfhd 상자가 없습니다", "there is no tfhd box")
	}

	// tfhd: the track and the sample defaults of this traf.
	cur := newCursor(*tfhd)
	_, flags := cur.full()
	id := cur.u32()
	base := int64(0) // base data offset, relative to the moof
	if flags&tfhdBaseDataOffset != 0 {
		at := cur.i
		abs := cur.u64()
		if cur.err == nil {
			if abs > uint64(p.pos)+uint64(p.dataEnd) || abs < uint64(p.pos) {
				return errorf(tfhd.path, tfhd.off, "base_data_offset %d가 조각 밖을 가리킵니다",
					"base_data_offset %d points outside the fragment", abs)
			}
			base = int64(abs) - p.pos
			p.lay.bases = append(p.lay.bases, int(tfhd.off-p.pos)+tfhd.hlen+at)
			p.f.absolute = true
		}
	} else if p.trafs > 0 && flags&tfhdDefaultBaseIsMoof == 0 {
		base = p.nextData
	}
	if flags&tfhdSampleDescription != 0 {
		if idx := cur.u32(); cur.err == nil && idx != 1 {
			return errorf(tfhd.path, tfhd.off, "샘플 설명 %d을 가리킵니다: 하나뿐입니다",
				"sample_description_index %d: there is only one", idx)
		}
	}
	def := p.in.trex
	if flags&tfhdDuration != 0 {
		def.duration = cur.u32()
	}
	if flags&tfhdSize != 0 {
		def.size = cur.u32()
	}
	if flags&tfhdFlags != 0 {
		def.flags = cur.u32()
	}
	if cur.err != nil {
		return cur.err
	}
	if id != p.in.TrackID {
		return errorf(tfhd.path, tfhd.off, "트랙 %d의 조각입니다: 초기화 세그먼트의 트랙은 %d입니다",
			"a fragment of track %d, but the init's track is %d", id, p.in.TrackID)
	}

	// tfdt: the decode time of the traf's first sample.
	trafStart := p.f.Duration // decode offset of this traf's first sample in the fragment
	if tfdt != nil {
		cur := newCursor(*tfdt)
		v, _ := cur.full()
		at := cur.i
		var t uint64
		if v == 1 {
			t = cur.u64()
		} else {
			t = uint64(cur.u32())
		}
		if cur.err != nil {
			return cur.err
		}
		p.lay.tfdts = append(p.lay.tfdts, field{at: int(tfdt.off-p.pos) + tfdt.hlen + at, wide: v == 1})
		if p.trafs == 0 {
			p.f.BaseDecodeTime = t
		}
	} else if p.trafs == 0 {
		p.f.noTfdt = true
	}
	p.trafs++

	next := base
	for _, c := range truns {
		end, err := p.trun(c, base, next, def, &trafStart)
		if err != nil {
			return err
		}
		next = end
	}
	p.nextData = next
	return nil
}

// trun parses one track run. next is where its data starts when it has no data_offset;
// it returns where its data ends. decode is the decode offset (from the fragment's
// BaseDecodeTime) of its first sample, advanced past its samples.
func (p *fragParser) trun(c child, base, next int64, def trex, decode *uint64) (int64, error) {
	cur := newCursor(c)
	version, flags := cur.full()
	count := cur.u32()
	start := next
	if flags&trunDataOffset != 0 {
		start = base + int64(int32(cur.u32()))
	}
	firstFlags, hasFirstFlags := def.flags, false
	if flags&trunFirstFlags != 0 {
		firstFlags, hasFirstFlags = cur.u32(), true
	}
	if cur.err != nil {
		return 0, cur.err
	}
	per := 4 * bits.OnesCount32(flags&(trunDuration|trunSize|trunFlags|trunComposition))
	if per > 0 && uint64(count)*uint64(per) > uint64(cur.left()) {
		return 0, errorf(c.path, c.off, "샘플 %d개의 항목이 상자에 들어가지 않습니다",
			"the entries of %d samples do not fit in the box", count)
	}

	var size, dur uint64
	if per == 0 {
		// Every sample takes the defaults: no need to visit them one by one.
		size = uint64(count) * uint64(def.size)
		dur = uint64(count) * uint64(def.duration)
		if count > 0 {
			p.sample(int64(*decode), firstFlags)
		}
	} else {
		d := *decode
		for i := uint32(0); i < count; i++ {
			sd, ss, sf := def.duration, def.size, def.flags
			var cto int64
			if flags&trunDuration != 0 {
				sd = cur.u32()
			}
			if flags&trunSize != 0 {
				ss = cur.u32()
			}
			if flags&trunFlags != 0 {
				sf = cur.u32()
			}
			if flags&trunComposition != 0 {
				v := cur.u32()
				if version == 0 {
					cto = int64(v)
				} else {
					cto = int64(int32(v))
				}
			}
			if i == 0 && hasFirstFlags {
				sf = firstFlags
			}
			size += uint64(ss)
			if d > maxFragmentDuration {
				break // reported below
			}
			p.sample(int64(d)+cto, sf)
			d += uint64(sd)
			dur += uint64(sd)
		}
		if cur.err != nil {
			return 0, cur.err
		}
	}
	if dur > maxFragmentDuration || *decode+dur > maxFragmentDuration {
		return 0, errorf(c.path, c.off, "조각의 길이가 너무 깁니다", "the fragment's duration is too long")
	}
	*decode += dur
	p.f.Duration += dur
	p.f.Samples += int(count)

	if start < p.dataStart || start > p.dataEnd || size > uint64(p.dataEnd-start) {
		return 0, errorf(c.path, c.off,
			"샘플 데이터(%d바이트, 오프셋 %d)가 mdat(오프셋 %d, %d바이트) 밖에 있습니다",
			"the sample data (%d bytes at offset %d) lies outside the mdat (offset %d, %d bytes)",
			size, p.pos+start, p.pos+p.dataStart, p.dataEnd-p.dataStart)
	}
	return start + int64(size), nil
}

// sample notes the first sample's flags and presentation time (relative to
// BaseDecodeTime).
func (p *fragParser) sample(presentation int64, flags uint32) {
	if !p.first {
		p.first = true
		p.f.Keyframe = flags&sampleNonSync == 0
		p.f.PresentationOffset = presentation
	}
}
