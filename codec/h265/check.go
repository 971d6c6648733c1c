package h265

import (
	"custodian"
	"custodian/codec/internal/bits"
)

// headerBytes is how much of a slice segment NAL unit Check reads.
const headerBytes = 64

// ppsInfo is what a slice segment header needs from a PPS (ITU-T H.265 §7.3.2.3.1).
type ppsInfo struct {
	sps                 uint32
	dependentSlices     bool  // dependent_slice_segments_enabled_flag
	outputFlagPresent   bool  // output_flag_present_flag
	extraSliceHeaderBit uint8 // num_extra_slice_header_bits
}

// Checker tells whether access units can be decoded as far as their headers show: it
// knows the parameter sets seen so far (in band, or given with Observe from the SDP) and
// parses each slice segment's header against them. It cannot see inside the slice data.
// Not safe for concurrent use.
type Checker struct {
	sps map[uint32]*SPS
	pps map[uint64]ppsInfo
}

// NewChecker returns a Checker that knows no parameter sets.
func NewChecker() *Checker { return &Checker{sps: map[uint32]*SPS{}, pps: map[uint64]ppsInfo{}} }

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
			r := bits.NewReader(bits.RBSP(n[2:min(len(n), headerBytes)]))
			id, sps := r.UE(), r.UE()
			p := ppsInfo{sps: uint32(sps), dependentSlices: r.Flag(), outputFlagPresent: r.Flag(), extraSliceHeaderBit: uint8(r.U(3))}
			if r.Err() == nil && id <= 63 && sps <= 15 {
				c.pps[id] = p
			}
		}
	}
}

// Check observes the parameter sets of an access unit and returns nil if it holds a
// picture whose NAL unit headers and slice segment headers parse against known parameter
// sets; or an error saying what is wrong: a forbidden_zero_bit set, a TemporalId of −1, a
// reserved or unspecified NAL unit type, no slice, a header that does not parse or refers
// to an unknown parameter set, an IRAP slice that is not intra, or no slice segment that
// begins the picture.
func (c *Checker) Check(nalus [][]byte) error {
	slices, first := 0, false
	c.Observe(nalus)
	for _, n := range nalus {
		if len(n) < 2 {
			return errUndecodable("NAL 단위 헤더가 잘렸습니다", "a NAL unit header is cut short")
		}
		if n[0]&0x80 != 0 {
			return errUndecodable("NAL 단위의 forbidden_zero_bit가 1입니다", "a NAL unit has its forbidden_zero_bit set")
		}
		if n[1]&7 == 0 {
			return errUndecodable("NAL 단위의 nuh_temporal_id_plus1이 0입니다", "a NAL unit has nuh_temporal_id_plus1 0")
		}
		typ := NALUType(n)
		layer := (n[0]&1)<<5 | n[1]>>3
		switch {
		case typ >= 10 && typ <= 15 || typ >= 22 && typ <= 31 || typ >= 41:
			return errUndecodable("NAL 단위 유형 %d은(는) 예약되었거나 정의되지 않았습니다", "NAL unit type %d is reserved or unspecified", typ)
		case typ >= 32 || layer != 0:
			continue // not a slice of the base layer
		}
		irap := IsIRAP(typ)
		if irap && n[1]&7 != 1 {
			return errUndecodable("IRAP 슬라이스의 TemporalId가 0이 아닙니다", "an IRAP slice has a TemporalId other than 0")
		}
		r := bits.NewReader(bits.RBSP(n[2:min(len(n), headerBytes)]))
		firstInPic := r.Flag()
		if irap {
			r.Skip(1) // no_output_of_prior_pics_flag
		}
		ppsID := r.UE()
		p, ok := c.pps[ppsID]
		if err := r.Err(); err != nil {
			return errUndecodable("슬라이스 헤더를 읽을 수 없습니다", "the slice header does not parse")
		}
		if !ok || c.sps[p.sps] == nil {
			return errUndecodable("슬라이스가 알 수 없는 PPS %d을(를) 가리킵니다", "a slice refers to an unknown PPS %d", ppsID)
		}
		slices++
		if !firstInPic {
			continue // slice_segment_address needs the picture size in CTBs: not checked
		}
		first = true
		r.Skip(int(p.extraSliceHeaderBit)) // slice_reserved_flag[i]
		typ2 := r.UE()                     // slice_type: 0 B, 1 P, 2 I
		if err := r.Err(); err != nil || typ2 > 2 {
			return errUndecodable("slice_type %d이(가) 잘못되었습니다", "bad slice_type %d", typ2)
		}
		if irap && typ2 != 2 {
			return errUndecodable("IRAP 슬라이스가 인트라(I)가 아닙니다", "an IRAP slice is not intra (I)")
		}
	}
	if slices == 0 {
		return errUndecodable("픽처(슬라이스)가 없습니다", "there is no picture (no slice)")
	}
	if !first {
		return errUndecodable("픽처의 첫 슬라이스 세그먼트가 없습니다", "the slice segment that begins the picture is missing")
	}
	return nil
}

func errUndecodable(ko, en string, args ...any) error {
	return custodian.Errorf(custodian.EINVALID, "H.265: "+ko, "H.265: "+en, args...)
}
