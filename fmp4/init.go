package fmp4

import (
	"encoding/binary"
	"fmt"
	"math/bits"

	"custodian"
)

// Init is the init segment of a fragmented MP4: ftyp and moov, with the one video track's
// parameters.
type Init struct {
	// Raw is ftyp + moov exactly as read, with any other box that came before moov (free,
	// skip ...). Parse returns a slice of its input; Reader a buffer of its own.
	Raw []byte

	TrackID   uint32 // tkhd track_ID; every fragment's tfhd must name it
	Timescale uint32 // mdhd: units per second of every decode time and duration
	Codec     string // sample entry: "avc1", "avc3" (H.264), "hvc1", "hev1" (H.265)
	Width     uint16 // from the visual sample entry, in pixels
	Height    uint16
	// Config is the decoder configuration record (the payload of avcC or hvcC; nil if
	// the sample entry has none). It is a slice of Raw.
	Config []byte

	movieTimescale uint32 // mvhd: units of edit list durations
	trex           trex   // moov/mvex/trex of the track: sample defaults
}

// trex holds the defaults of moov/mvex/trex for the track (zero if absent).
type trex struct {
	duration, size, flags uint32
}

// initLayout is where the parts of an init that Write rewrites lie in Raw.
type initLayout struct {
	moov child   // the moov box (offsets are positions in Raw)
	trak child   // its only trak
	kids []child // the trak's children, in order
}

// codecs are the sample entries a video track may use.
var codecs = map[string]bool{"avc1": true, "avc3": true, "hvc1": true, "hev1": true}

// track is what parseTrak finds in one trak box.
type track struct {
	off       int64
	id        uint32
	handler   string // hdlr handler_type: "vide", "soun" ...
	timescale uint32
	codec     string
	width     uint16
	height    uint16
	config    []byte
	kids      []child
}

// parseInit parses an init segment held in raw (offset 0 is the file's first byte): the
// top-level boxes up to and including moov.
func parseInit(raw []byte) (*Init, *initLayout, error) {
	var (
		moov  *child
		first = true
	)
	err := children(raw, 0, "", func(c child) error {
		if first && c.typ != "ftyp" {
			return errorf(c.typ, c.off, "MP4 파일이 아닙니다: ftyp 상자로 시작하지 않습니다",
				"not an MP4 file: it does not begin with an ftyp box")
		}
		first = false
		switch c.typ {
		case "moov":
			if moov != nil {
				return errorf(c.path, c.off, "moov 상자가 두 개입니다", "a second moov box")
			}
			moov = &c
		case "mdat", "moof":
			return errorf(c.path, c.off, "%s 상자가 moov 앞에 있습니다: 조각난(fragmented) MP4가 아닙니다",
				"%s comes before moov: not a fragmented MP4", c.typ)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if first {
		return nil, nil, errorf("ftyp", 0, "데이터가 비어 있습니다", "the data is empty")
	}
	if moov == nil {
		return nil, nil, errorf("moov", int64(len(raw)), "moov 상자가 없습니다", "there is no moov box")
	}
	in, lay, err := parseMoov(*moov)
	if err != nil {
		return nil, nil, err
	}
	in.Raw = raw
	return in, lay, nil
}

// errAudio is the refusal of a file with an audio track.
func errAudio(off int64) *custodian.Error {
	return custodian.Errorf(custodian.EINVALID,
		"MP4 moov/trak 상자(오프셋 %d)는 오디오 트랙입니다: 음성은 녹음하지 않으므로 오디오가 있는 파일은 받지 않습니다 (개인정보 보호법 제25조제5항)",
		"MP4 moov/trak box at offset %d is an audio track: audio is never recorded, so a file with audio is refused (PIPA Art. 25(5))",
		off)
}

func parseMoov(moov child) (*Init, *initLayout, error) {
	var (
		in      = &Init{}
		tracks  []track
		trakBox []child
		trexes  = map[uint32]trex{}
		mvex    bool
		mvhd    bool
		firstEr error
	)
	err := children(moov.data, moov.off+int64(moov.hlen), moov.path, func(c child) error {
		switch c.typ {
		case "mvhd":
			cur := newCursor(c)
			cur.fullTimes()
			in.movieTimescale = cur.u32()
			if cur.err != nil {
				return cur.err
			}
			if in.movieTimescale == 0 {
				return errorf(c.path, c.off, "timescale이 0입니다", "the timescale is 0")
			}
			mvhd = true
		case "trak":
			t, err := parseTrak(c)
			if err != nil && firstEr == nil {
				firstEr = err
			}
			tracks = append(tracks, t)
			trakBox = append(trakBox, c)
		case "mvex":
			mvex = true
			return children(c.data, c.off+int64(c.hlen), c.path, func(c child) error {
				if c.typ != "trex" {
					return nil
				}
				cur := newCursor(c)
				cur.full()
				id := cur.u32()
				cur.u32() // default_sample_description_index
				t := trex{duration: cur.u32(), size: cur.u32(), flags: cur.u32()}
				if cur.err != nil {
					return cur.err
				}
				trexes[id] = t
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	// Sound is refused before anything else is said about the file.
	for _, t := range tracks {
		if t.handler == "soun" {
			return nil, nil, errAudio(t.off)
		}
	}
	if firstEr != nil {
		return nil, nil, firstEr
	}
	switch {
	case !mvhd:
		return nil, nil, errorf("moov/mvhd", moov.off, "mvhd 상자가 없습니다", "there is no mvhd box")
	case len(tracks) == 0:
		return nil, nil, errorf("moov/trak", moov.off, "트랙이 없습니다", "there is no track")
	case len(tracks) > 1:
		return nil, nil, errorf("moov/trak", tracks[1].off,
			"트랙이 %d개입니다: 영상 트랙 하나만 받습니다 (음성은 녹음하지 않습니다, 개인정보 보호법 제25조제5항)",
			"%d tracks: only one video track is accepted (audio is never recorded, PIPA Art. 25(5))",
			len(tracks))
	}
	t := tracks[0]
	switch {
	case t.handler != "vide":
		return nil, nil, errorf("moov/trak/mdia/hdlr", t.off,
			"영상 트랙이 아닙니다 (처리기 %q): 영상 트랙 하나만 받습니다",
			"not a video track (handler %q): only one video track is accepted", t.handler)
	case !codecs[t.codec]:
		return nil, nil, errorf("moov/trak/mdia/minf/stbl/stsd", t.off,
			"지원하지 않는 코덱입니다 (%s): H.264(avc1, avc3)와 H.265(hvc1, hev1)만 받습니다",
			"unsupported codec %s: only H.264 (avc1, avc3) and H.265 (hvc1, hev1) are accepted", t.codec)
	case !mvex:
		return nil, nil, errorf("moov", moov.off,
			"mvex 상자가 없습니다: 조각난(fragmented) MP4가 아닙니다",
			"there is no mvex box: not a fragmented MP4")
	}
	in.TrackID, in.Timescale, in.Codec, in.Config = t.id, t.timescale, t.codec, t.config
	in.Width, in.Height = t.width, t.height
	in.trex = trexes[t.id]
	return in, &initLayout{moov: moov, trak: trakBox[0], kids: t.kids}, nil
}

// parseTrak reads one trak. It fills in what it can before an error, so that the caller
// can see the handler of a track that is otherwise malformed.
func parseTrak(trak child) (track, error) {
	t := track{off: trak.off}
	var tkhd, mdhd, hdlr, stsd bool
	var walk func(c child) error
	walk = func(c child) error {
		switch c.typ {
		case "tkhd":
			cur := newCursor(c)
			cur.fullTimes()
			t.id = cur.u32()
			if cur.err != nil {
				return cur.err
			}
			if t.id == 0 {
				return errorf(c.path, c.off, "track_ID가 0입니다", "track_ID is 0")
			}
			tkhd = true
		case "mdia", "minf", "stbl":
			// Only where they belong (moov/trak/mdia/minf/stbl): a box nested in itself
			// over and over must not drive the recursion deep.
			if c.path == "moov/trak/mdia" || c.path == "moov/trak/mdia/minf" || c.path == "moov/trak/mdia/minf/stbl" {
				return children(c.data, c.off+int64(c.hlen), c.path, walk)
			}
		case "mdhd":
			cur := newCursor(c)
			cur.fullTimes()
			t.timescale = cur.u32()
			if cur.err != nil {
				return cur.err
			}
			if t.timescale == 0 {
				return errorf(c.path, c.off, "timescale이 0입니다", "the timescale is 0")
			}
			mdhd = true
		case "hdlr":
			cur := newCursor(c)
			cur.full()
			cur.u32() // pre_defined
			if cur.need(4) {
				t.handler = boxType(cur.b[cur.i : cur.i+4])
			}
			if cur.err != nil {
				return cur.err
			}
			hdlr = true
		case "stsd":
			cur := newCursor(c)
			cur.full()
			n := cur.u32()
			if cur.err != nil {
				return cur.err
			}
			if n != 1 {
				return errorf(c.path, c.off, "샘플 설명이 %d개입니다: 하나여야 합니다",
					"%d sample descriptions: there must be exactly one", n)
			}
			entries := cur.b[cur.i:]
			off := c.off + int64(c.hlen+cur.i)
			h, err := parseHeader(entries, off, c.path)
			if err != nil {
				return err
			}
			t.codec = h.typ
			e := newCursor(child{header: h, path: join(c.path, h.typ), data: entries[h.hlen:h.size]})
			// VisualSampleEntry: reserved(6) data_reference_index(2) pre_defined(2)
			// reserved(2) pre_defined(12) width(2) height(2) ...
			e.skip(24)
			t.width, t.height = e.u16(), e.u16()
			if codecs[t.codec] && e.err != nil {
				return e.err
			}
			// horizresolution(4) vertresolution(4) reserved(4) frame_count(2)
			// compressorname(32) depth(2) pre_defined(2), then the entry's boxes.
			e.skip(50)
			if codecs[t.codec] && e.err == nil {
				boxes := e.b[e.i:]
				boff := h.off + int64(h.hlen+e.i)
				// A malformed box after the configuration is the decoder's concern,
				// not the container's: only the configuration record is looked for.
				children(boxes, boff, e.path, func(k child) error {
					if k.typ == "avcC" || k.typ == "hvcC" {
						t.config = k.data
					}
					return nil
				})
			}
			stsd = true
		}
		return nil
	}
	err := children(trak.data, trak.off+int64(trak.hlen), trak.path, func(c child) error {
		t.kids = append(t.kids, c)
		return walk(c)
	})
	if err != nil {
		return t, err
	}
	var missing string
	switch {
	case !tkhd:
		missing = "tkhd"
	case !mdhd:
		missing = "mdia/mdhd"
	case !hdlr:
		missing = "mdia/hdlr"
	case !stsd && t.handler == "vide":
		missing = "mdia/minf/stbl/stsd"
	default:
		return t, nil
	}
	return t, errorf("moov/trak/"+missing, trak.off, "상자가 없습니다", "the box is missing")
}

// MIMECodec returns the track's codec as RFC 6381 writes it in a MIME type's codecs
// parameter (what Media Source Extensions need): "avc1.640028" from avcC's profile,
// compatibility and level; "hvc1.1.6.L93.B0" from hvcC's profile space, profile,
// compatibility flags, tier, level and constraint flags (ISO/IEC 14496-15, Annex E). It is
// refused when the configuration record is missing or too short.
func (in *Init) MIMECodec() (string, error) {
	return MIMECodec(in.Codec, in.Config)
}

// MIMECodec returns the RFC 6381 codec string of the sample entry codec ("avc1", "avc3",
// "hvc1", "hev1") with the decoder configuration record cfg (avcC or hvcC payload).
func MIMECodec(codec string, cfg []byte) (string, error) {
	switch codec {
	case "avc1", "avc3":
		if len(cfg) < 4 {
			return "", custodian.Errorf(custodian.EINVALID, "avcC가 너무 짧습니다 (%d바이트)", "avcC is too short (%d bytes)", len(cfg))
		}
		return fmt.Sprintf("%s.%02x%02x%02x", codec, cfg[1], cfg[2], cfg[3]), nil
	case "hvc1", "hev1":
		if len(cfg) < 13 {
			return "", custodian.Errorf(custodian.EINVALID, "hvcC가 너무 짧습니다 (%d바이트)", "hvcC is too short (%d bytes)", len(cfg))
		}
		space := []string{"", "A", "B", "C"}[cfg[1]>>6]
		tier := "L"
		if cfg[1]&0x20 != 0 {
			tier = "H"
		}
		profile := cfg[1] & 0x1f
		compat := bits.Reverse32(binary.BigEndian.Uint32(cfg[2:6]))
		s := fmt.Sprintf("%s.%s%d.%X.%s%d", codec, space, profile, compat, tier, cfg[12])
		cons := cfg[6:12]
		n := len(cons)
		for n > 0 && cons[n-1] == 0 {
			n--
		}
		for _, b := range cons[:n] {
			s += fmt.Sprintf(".%X", b)
		}
		return s, nil
	}
	return "", custodian.Errorf(custodian.EINVALID, "지원하지 않는 코덱입니다 (%q)", "unsupported codec %q", codec)
}
