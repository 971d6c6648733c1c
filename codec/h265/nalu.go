package h265

import "custodian/codec"

// NAL unit types (ITU-T H.265 Table 7-1) and the payload structures of RFC 7798 §4.4.
const (
	NALUTypeTrailN    = 0  // coded slice of a non-reference trailing picture
	NALUTypeTrailR    = 1  // coded slice of a trailing picture
	NALUTypeBLAWLP    = 16 // broken link access, the first IRAP type
	NALUTypeBLAWRADL  = 17
	NALUTypeBLANLP    = 18
	NALUTypeIDRWRADL  = 19 // instantaneous decoding refresh with leading pictures
	NALUTypeIDRNLP    = 20 // instantaneous decoding refresh without leading pictures
	NALUTypeCRA       = 21 // clean random access
	NALUTypeVPS       = 32 // video parameter set
	NALUTypeSPS       = 33 // sequence parameter set
	NALUTypePPS       = 34 // picture parameter set
	NALUTypeAUD       = 35 // access unit delimiter
	NALUTypeEOS       = 36 // end of sequence
	NALUTypeEOB       = 37 // end of bitstream
	NALUTypeFD        = 38 // filler data
	NALUTypePrefixSEI = 39 // supplemental enhancement information before the slices
	NALUTypeSuffixSEI = 40 // supplemental enhancement information after the slices
	NALUTypeAP        = 48 // aggregation packet
	NALUTypeFU        = 49 // fragmentation unit
	NALUTypePACI      = 50 // payload content information
)

// NALUType returns the nal_unit_type of a NAL unit (or of an RTP payload) from its
// two-byte header; 0 when it is shorter than that.
func NALUType(b []byte) uint8 {
	if len(b) < 2 {
		return 0
	}
	return b[0] >> 1 & 0x3f
}

// IsIRAP tells whether a NAL unit type is that of a slice of an intra random access point
// picture (16–23: BLA, IDR, CRA and the reserved IRAP types).
func IsIRAP(typ uint8) bool { return typ >= 16 && typ <= 23 }

// IsKey tells whether a NAL unit is a slice of an IRAP picture.
func IsKey(nalu []byte) bool { return len(nalu) >= 2 && IsIRAP(NALUType(nalu)) }

// IsVCL tells whether a NAL unit is a slice segment (types 0–31).
func IsVCL(nalu []byte) bool { return len(nalu) >= 2 && NALUType(nalu) < 32 }

func classify(nalu []byte) (vcl, key bool) { return IsVCL(nalu), IsKey(nalu) }

// Key tells whether an access unit contains a slice of an IRAP picture.
func Key(nalus [][]byte) bool {
	for _, n := range nalus {
		if IsKey(n) {
			return true
		}
	}
	return false
}

// ParameterSets returns the VPS, SPS and PPS NAL units among nalus (aliasing them).
func ParameterSets(nalus [][]byte) (vps, sps, pps [][]byte) {
	for _, n := range nalus {
		switch NALUType(n) {
		case NALUTypeVPS:
			vps = append(vps, n)
		case NALUTypeSPS:
			sps = append(sps, n)
		case NALUTypePPS:
			pps = append(pps, n)
		}
	}
	return vps, sps, pps
}

var _ codec.Depacketizer = (*Depacketizer)(nil)

// class tells codec.AccessUnits about an H.265 NAL unit (H.265 §7.4.2.4.4).
func auClass(n []byte) (vcl, first, prefix bool) {
	typ := NALUType(n)
	vcl = typ < 32
	first = vcl && len(n) > 2 && n[2]&0x80 != 0 // first_slice_segment_in_pic_flag
	prefix = typ >= 32 && typ <= 35 || typ == 39 || typ >= 41 && typ <= 44 || typ >= 48 && typ <= 55
	return vcl, first, prefix
}

// AccessUnits groups NAL units in decode order (an Annex B stream split by
// codec.SplitAnnexB) into access units (ITU-T H.265 7.4.2.4.4): a VPS, SPS, PPS, AUD or
// prefix SEI after a picture's slices, or a slice that begins a new picture
// (first_slice_segment_in_pic_flag), starts the next unit. The units alias nalus.
func AccessUnits(nalus [][]byte) [][][]byte { return codec.AccessUnits(nalus, auClass) }
