package h264

import "custodian/codec"

// NAL unit types (ITU-T H.264 Table 7-1) and the payload structures of RFC 6184 §5.2.
const (
	NALUTypeNonIDR = 1  // coded slice of a non-IDR picture
	NALUTypeIDR    = 5  // coded slice of an IDR picture
	NALUTypeSEI    = 6  // supplemental enhancement information
	NALUTypeSPS    = 7  // sequence parameter set
	NALUTypePPS    = 8  // picture parameter set
	NALUTypeAUD    = 9  // access unit delimiter
	NALUTypeFiller = 12 // filler data
	NALUTypeSTAPA  = 24 // single-time aggregation packet A
	NALUTypeSTAPB  = 25 // single-time aggregation packet B (interleaved mode)
	NALUTypeMTAP16 = 26 // multi-time aggregation packet, 16-bit offsets
	NALUTypeMTAP24 = 27 // multi-time aggregation packet, 24-bit offsets
	NALUTypeFUA    = 28 // fragmentation unit A
	NALUTypeFUB    = 29 // fragmentation unit B (interleaved mode)
)

// NALUType returns the nal_unit_type of a NAL unit (or of an RTP payload): the low five
// bits of its first byte; 0 for an empty slice.
func NALUType(b []byte) uint8 {
	if len(b) == 0 {
		return 0
	}
	return b[0] & 0x1f
}

// IsKey tells whether a NAL unit is a slice of an IDR picture.
func IsKey(nalu []byte) bool { return NALUType(nalu) == NALUTypeIDR }

// IsVCL tells whether a NAL unit is a slice (types 1–5).
func IsVCL(nalu []byte) bool { typ := NALUType(nalu); return typ >= 1 && typ <= 5 }

func classify(nalu []byte) (vcl, key bool) { return IsVCL(nalu), IsKey(nalu) }

// Key tells whether an access unit contains a slice of an IDR picture.
func Key(nalus [][]byte) bool {
	for _, n := range nalus {
		if IsKey(n) {
			return true
		}
	}
	return false
}

// ParameterSets returns the SPS and PPS NAL units among nalus (aliasing them).
func ParameterSets(nalus [][]byte) (sps, pps [][]byte) {
	for _, n := range nalus {
		switch NALUType(n) {
		case NALUTypeSPS:
			sps = append(sps, n)
		case NALUTypePPS:
			pps = append(pps, n)
		}
	}
	return sps, pps
}

var _ codec.Depacketizer = (*Depacketizer)(nil)

// class tells codec.AccessUnits about an H.264 NAL unit (H.264 §7.4.1.2.3).
func auClass(n []byte) (vcl, first, prefix bool) {
	typ := NALUType(n)
	vcl = typ >= 1 && typ <= 5
	first = vcl && len(n) > 1 && n[1]&0x80 != 0 // first_mb_in_slice is 0: ue(v) "1"
	prefix = typ == 6 || typ == 7 || typ == 8 || typ == 9 || typ >= 14 && typ <= 18
	return vcl, first, prefix
}

// AccessUnits groups NAL units in decode order (an Annex B stream split by
// codec.SplitAnnexB) into access units (ITU-T H.264 7.4.1.2.3): an AUD, SPS, PPS or SEI
// after a picture's slices, or a slice that begins a new picture (first_mb_in_slice = 0),
// starts the next unit. The units alias nalus.
func AccessUnits(nalus [][]byte) [][][]byte { return codec.AccessUnits(nalus, auClass) }
