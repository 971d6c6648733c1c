package recorder

import (
	"bytes"

	"custodian"
	"custodian/codec"
	"custodian/codec/h264"
	"custodian/codec/h265"
	"custodian/fmp4"
)

// params follows a stream's parameter sets (from the SDP and in band) and makes the init
// segment for them. The init changes only when a parameter set does, which starts a new
// segment (a camera whose resolution is changed keeps recording).
type params interface {
	// codecName is "H264" or "H265".
	codecName() string
	// observe notes the parameter sets in an access unit.
	observe(nalus [][]byte)
	// init returns the init segment for the current parameter sets (nil until they are
	// all known), its track, and an error if they cannot be parsed.
	init() ([]byte, fmp4.Track, error)
	newDepacketizer() codec.Depacketizer
	// check tells whether an access unit can be decoded as far as its NAL unit and slice
	// headers show, against the parameter sets known so far (docs/design/recording.md,
	// "Undecodable frames"); resync forgets the last picture (after a lost one).
	check(nalus [][]byte) error
	resync()
}

// setList keeps the latest parameter set of each kind.
type setList struct {
	sets    [3][]byte // by kind index
	cached  []byte
	track   fmp4.Track
	dirty   bool
	lastErr error
}

func (s *setList) set(i int, b []byte) {
	if !bytes.Equal(s.sets[i], b) {
		s.sets[i] = append([]byte(nil), b...)
		s.dirty = true
	}
}

type h264Params struct {
	setList
	ck *h264.Checker
}

func (p *h264Params) check(nalus [][]byte) error { return p.ck.Check(nalus) }
func (p *h264Params) resync()                    { p.ck.Resync() }

func (p *h264Params) codecName() string                   { return "H264" }
func (p *h264Params) newDepacketizer() codec.Depacketizer { return h264.NewDepacketizer() }

func (p *h264Params) observe(nalus [][]byte) {
	for _, n := range nalus {
		switch h264.NALUType(n) {
		case h264.NALUTypeSPS:
			p.set(0, n)
		case h264.NALUTypePPS:
			p.set(1, n)
		}
	}
}

func (p *h264Params) init() ([]byte, fmp4.Track, error) {
	if !p.dirty {
		return p.cached, p.track, p.lastErr
	}
	p.dirty = false
	p.cached, p.lastErr = nil, nil
	sps, pps := p.sets[0], p.sets[1]
	if sps == nil || pps == nil {
		return nil, fmp4.Track{}, nil
	}
	info, err := h264.ParseSPS(sps)
	if err != nil {
		p.lastErr = err
		return nil, fmp4.Track{}, err
	}
	cfg, err := h264.DecoderConfig([][]byte{sps}, [][]byte{pps})
	if err != nil {
		p.lastErr = err
		return nil, fmp4.Track{}, err
	}
	return p.finish("avc1", cfg, info.Width, info.Height)
}

func (s *setList) finish(entry string, cfg []byte, w, h int) ([]byte, fmp4.Track, error) {
	if w <= 0 || h <= 0 || w > 0xffff || h > 0xffff {
		s.lastErr = custodian.Errorf(custodian.EINVALID, "영상 크기 %dx%d가 잘못되었습니다", "bad video size %dx%d", w, h)
		return nil, fmp4.Track{}, s.lastErr
	}
	t := fmp4.Track{Codec: entry, Config: cfg, Width: uint16(w), Height: uint16(h), Timescale: 90000}
	b, err := fmp4.MuxInit(t)
	if err != nil {
		s.lastErr = err
		return nil, fmp4.Track{}, err
	}
	s.cached, s.track = b, t
	return b, t, nil
}

type h265Params struct {
	setList
	ck *h265.Checker
}

func (p *h265Params) check(nalus [][]byte) error { return p.ck.Check(nalus) }
func (p *h265Params) resync()                    {}

func (p *h265Params) codecName() string                   { return "H265" }
func (p *h265Params) newDepacketizer() codec.Depacketizer { return h265.NewDepacketizer() }

func (p *h265Params) observe(nalus [][]byte) {
	for _, n := range nalus {
		switch h265.NALUType(n) {
		case h265.NALUTypeVPS:
			p.set(0, n)
		case h265.NALUTypeSPS:
			p.set(1, n)
		case h265.NALUTypePPS:
			p.set(2, n)
		}
	}
}

func (p *h265Params) init() ([]byte, fmp4.Track, error) {
	if !p.dirty {
		return p.cached, p.track, p.lastErr
	}
	p.dirty = false
	p.cached, p.lastErr = nil, nil
	vps, sps, pps := p.sets[0], p.sets[1], p.sets[2]
	if vps == nil || sps == nil || pps == nil {
		return nil, fmp4.Track{}, nil
	}
	info, err := h265.ParseSPS(sps)
	if err != nil {
		p.lastErr = err
		return nil, fmp4.Track{}, err
	}
	cfg, err := h265.DecoderConfig([][]byte{vps}, [][]byte{sps}, [][]byte{pps})
	if err != nil {
		p.lastErr = err
		return nil, fmp4.Track{}, err
	}
	return p.finish("hvc1", cfg, info.Width, info.Height)
}

// newParams returns the parameter tracker for a media description's codec, seeded with
// the SDP's parameter sets; nil for another codec.
func newParams(codecName string, fmtp map[string]string) (params, error) {
	switch codecName {
	case "H264":
		p := &h264Params{ck: h264.NewChecker()}
		if v := fmtp["sprop-parameter-sets"]; v != "" {
			sps, pps, err := h264.SpropParameterSets(v)
			if err == nil {
				p.ck.Observe(sps)
				p.ck.Observe(pps)
				for _, s := range sps {
					p.set(0, s)
				}
				for _, s := range pps {
					p.set(1, s)
				}
			}
		}
		return p, nil
	case "H265":
		p := &h265Params{ck: h265.NewChecker()}
		if fmtp["sprop-max-don-diff"] != "" && fmtp["sprop-max-don-diff"] != "0" {
			return nil, custodian.Errorf(custodian.EINVALID,
				"H.265 스트림이 DONL(sprop-max-don-diff=%s)을 씁니다: 지원하지 않으므로 ffmpeg 출처를 쓰십시오",
				"the H.265 stream uses DONL (sprop-max-don-diff=%s), which is not supported: use an ffmpeg source", fmtp["sprop-max-don-diff"])
		}
		if fmtp["sprop-vps"] != "" {
			vps, sps, pps, err := h265.SpropParameterSets(fmtp["sprop-vps"], fmtp["sprop-sps"], fmtp["sprop-pps"])
			if err == nil {
				p.ck.Observe(sps)
				p.ck.Observe(pps)
				for i, l := range [][][]byte{vps, sps, pps} {
					for _, s := range l {
						p.set(i, s)
					}
				}
			}
		}
		return p, nil
	}
	return nil, nil
}
