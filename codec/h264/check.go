package h264

import (
	"custodian"
	"custodian/codec/internal/bits"
)

// headerBytes is how much of a slice NAL unit ParseSliceHeader reads: the fields it parses
// take at most a few dozen bytes.
const headerBytes = 64

// SliceHeader is the start of a slice header (ITU-T H.264 §7.3.3), as far as a recorder
// checks it.
type SliceHeader struct {
	FirstMB   uint64 // first_mb_in_slice
	SliceType uint64 // slice_type (0–9; 5–9 say every slice of the picture has it)
	PPSID     uint64 // pic_parameter_set_id
	FrameNum  uint64 // frame_num
}

// Checker tells whether access units can be decoded as far as their headers show: it
// knows the parameter sets seen so far (in band, or given with Observe from the SDP) and
// parses each slice's header against them. It cannot see inside the slice data: a picture
// whose headers are intact and whose macroblocks are garbage passes. Not safe for
// concurrent use.
type Checker struct {
	sps map[uint32]*SPS
	pps map[uint64]uint32 // pic_parameter_set_id → seq_parameter_set_id

	// frame_num of the last reference picture that passed (H.264 §7.4.3: the next
	// picture's is the same or one more, unless gaps are allowed).
	prevFrameNum uint64
	havePrev     bool
}

// Resync forgets the last picture's frame_num: after a picture was lost (a sequence gap),
// the next one's frame_num is not checked against it.
func (c *Checker) Resync() { c.havePrev = false }

// NewChecker returns a Checker that knows no parameter sets.
func NewChecker() *Checker { return &Checker{sps: map[uint32]*SPS{}, pps: map[uint64]uint32{}} }

// Observe notes the parameter sets among nalus (a malformed one is ignored: the slices
// that refer to it will fail).
func (c *Checker) Observe(nalus [][]byte) {
	for _, n := range nalus {
		switch NALUType(n) {
		case NALUTypeSPS:
			if s, err := ParseSPS(n); err == nil {
				c.sps[s.ID] = s
			}
		case NALUTypePPS:
			r := bits.NewReader(bits.RBSP(n[1:min(len(n), headerBytes)]))
			pps, sps := r.UE(), r.UE()
			if r.Err() == nil && pps <= 255 && sps <= 31 {
				c.pps[pps] = uint32(sps)
			}
		}
	}
}

// Check observes the parameter sets of an access unit and returns nil if it holds a
// picture whose NAL unit headers and slice headers parse against known parameter sets; or
// an error saying what is wrong: a forbidden_zero_bit set, a reserved or unspecified NAL
// unit type, no slice, a slice header that does not parse or refers to an unknown
// parameter set, an IDR slice that is not intra, has a frame_num other than 0 or is not a
// reference, or no slice that begins the picture (first_mb_in_slice 0).
func (c *Checker) Check(nalus [][]byte) error {
	c.Observe(nalus)
	slices, first := 0, false
	idr := Key(nalus)
	var frameNum uint64
	var ref bool
	var sps *SPS
	for _, n := range nalus {
		if len(n) == 0 {
			continue
		}
		if n[0]&0x80 != 0 {
			return errUndecodable("NAL 단위의 forbidden_zero_bit가 1입니다", "a NAL unit has its forbidden_zero_bit set")
		}
		typ := NALUType(n)
		switch {
		case typ == 0 || typ >= 22:
			return errUndecodable("NAL 단위 유형 %d은(는) 예약되었거나 정의되지 않았습니다", "NAL unit type %d is reserved or unspecified", typ)
		case typ == 1 || typ == 5:
		case typ >= 2 && typ <= 4:
			// Data partitioning (Extended profile only): not checked further.
			slices++
			continue
		default:
			continue
		}
		if idr && typ == 1 {
			return errUndecodable("IDR 픽처에 IDR이 아닌 슬라이스가 섞여 있습니다", "an IDR picture has a non-IDR slice")
		}
		if typ == 5 && n[0]&0x60 == 0 {
			return errUndecodable("IDR 슬라이스의 nal_ref_idc가 0입니다", "an IDR slice has nal_ref_idc 0")
		}
		h, s, err := c.parseSliceHeader(n)
		if err != nil {
			return err
		}
		if slices > 0 && (h.FrameNum != frameNum || s != sps) {
			return errUndecodable("한 픽처의 슬라이스들의 frame_num이나 SPS가 다릅니다", "the slices of one picture differ in frame_num or SPS")
		}
		frameNum, sps, ref = h.FrameNum, s, ref || n[0]&0x60 != 0
		if typ == 5 && (h.SliceType%5 != 2 && h.SliceType%5 != 4 || h.FrameNum != 0) {
			return errUndecodable("IDR 슬라이스가 인트라가 아니거나 frame_num이 0이 아닙니다", "an IDR slice is not intra or has a frame_num other than 0")
		}
		slices++
		first = first || h.FirstMB == 0
	}
	if slices == 0 {
		return errUndecodable("픽처(슬라이스)가 없습니다", "there is no picture (no slice)")
	}
	if !first {
		return errUndecodable("픽처의 첫 슬라이스가 없습니다", "the slice that begins the picture is missing")
	}
	if sps != nil && !idr && c.havePrev && !sps.FrameNumGaps {
		next := (c.prevFrameNum + 1) % (1 << sps.Log2MaxFrameNum)
		if frameNum != c.prevFrameNum && frameNum != next {
			return errUndecodable("frame_num %d이(가) 앞 참조 픽처(%d) 다음이 아닙니다", "frame_num %d does not follow the last reference picture's (%d)", frameNum, c.prevFrameNum)
		}
	}
	if sps != nil && ref {
		c.prevFrameNum, c.havePrev = frameNum, true
	}
	return nil
}

// ParseSliceHeader parses the start of a slice header of a slice NAL unit (types 1 and 5)
// up to frame_num, against the known parameter sets.
func (c *Checker) ParseSliceHeader(n []byte) (*SliceHeader, error) {
	h, _, err := c.parseSliceHeader(n)
	return h, err
}

func (c *Checker) parseSliceHeader(n []byte) (*SliceHeader, *SPS, error) {
	r := bits.NewReader(bits.RBSP(n[1:min(len(n), headerBytes)]))
	h := &SliceHeader{FirstMB: r.UE(), SliceType: r.UE(), PPSID: r.UE()}
	if err := r.Err(); err != nil {
		return nil, nil, errUndecodable("슬라이스 헤더를 읽을 수 없습니다", "the slice header does not parse")
	}
	if h.SliceType > 9 {
		return nil, nil, errUndecodable("slice_type %d이(가) 잘못되었습니다", "bad slice_type %d", h.SliceType)
	}
	spsID, ok := c.pps[h.PPSID]
	sps := c.sps[spsID]
	if !ok || sps == nil {
		return nil, nil, errUndecodable("슬라이스가 알 수 없는 PPS %d을(를) 가리킵니다", "a slice refers to an unknown PPS %d", h.PPSID)
	}
	if h.FirstMB >= uint64(sps.MBs) {
		return nil, nil, errUndecodable("first_mb_in_slice %d이(가) 픽처 밖입니다", "first_mb_in_slice %d lies outside the picture", h.FirstMB)
	}
	if sps.SeparateColourPlane {
		r.Skip(2) // colour_plane_id
	}
	h.FrameNum = r.U(int(sps.Log2MaxFrameNum))
	if err := r.Err(); err != nil {
		return nil, nil, errUndecodable("슬라이스 헤더가 잘렸습니다", "the slice header is cut short")
	}
	return h, sps, nil
}

func errUndecodable(ko, en string, args ...any) error {
	return custodian.Errorf(custodian.EINVALID, "H.264: "+ko, "H.264: "+en, args...)
}
