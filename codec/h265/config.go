package h265

import (
	"encoding/base64"
	"strings"

	"custodian"
)

// DecoderConfig returns the HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 §8.3.3.1),
// the payload of an hvcC box, for the given VPS, SPS and PPS NAL units: the general
// profile, tier, level, chroma format, bit depths, number of temporal layers and temporal
// id nesting from the first SPS; min_spatial_segmentation_idc, parallelismType,
// avgFrameRate and constantFrameRate 0; 4-byte NAL unit lengths; and one complete array
// each of VPS, SPS and PPS.
func DecoderConfig(vps, sps, pps [][]byte) ([]byte, error) {
	if len(vps) == 0 || len(sps) == 0 || len(pps) == 0 {
		return nil, errConfig("VPS, SPS, PPS가 하나 이상 있어야 합니다", "at least one VPS, SPS and PPS are needed")
	}
	size := 23
	for _, a := range []struct {
		typ  uint8
		name string
		ns   [][]byte
	}{{NALUTypeVPS, "VPS", vps}, {NALUTypeSPS, "SPS", sps}, {NALUTypePPS, "PPS", pps}} {
		if len(a.ns) > 0xffff {
			return nil, errConfig(a.name+"가 너무 많습니다", "too many "+a.name)
		}
		size += 3
		for _, n := range a.ns {
			if NALUType(n) != a.typ || len(n) < 3 || len(n) > 0xffff {
				return nil, errConfig(a.name+" NAL 단위가 잘못되었습니다", "bad "+a.name+" NAL unit")
			}
			size += 2 + len(n)
		}
	}
	s, err := ParseSPS(sps[0])
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, size)
	b = append(b,
		1, // configurationVersion
		s.ProfileSpace<<6|s.TierFlag<<5|s.ProfileIDC,
		byte(s.ProfileCompatibility>>24), byte(s.ProfileCompatibility>>16),
		byte(s.ProfileCompatibility>>8), byte(s.ProfileCompatibility))
	b = append(b, s.ConstraintIndicator[:]...)
	nested := byte(0)
	if s.TemporalIDNesting {
		nested = 1
	}
	b = append(b,
		s.LevelIDC,
		0xf0, 0x00, // reserved '1111', min_spatial_segmentation_idc 0
		0xfc,                         // reserved '111111', parallelismType 0
		0xfc|byte(s.ChromaFormatIDC), // reserved '111111', chromaFormat
		0xf8|(s.BitDepthLuma-8),      // reserved '11111', bitDepthLumaMinus8
		0xf8|(s.BitDepthChroma-8),    // reserved '11111', bitDepthChromaMinus8
		0, 0,                         // avgFrameRate
		byte(s.MaxSubLayers)<<3|nested<<2|3, // constantFrameRate 0, numTemporalLayers, temporalIdNested, lengthSizeMinusOne
		3,                                   // numOfArrays
	)
	for _, a := range []struct {
		typ uint8
		ns  [][]byte
	}{{NALUTypeVPS, vps}, {NALUTypeSPS, sps}, {NALUTypePPS, pps}} {
		b = append(b, 0x80|a.typ, byte(len(a.ns)>>8), byte(len(a.ns))) // array_completeness 1
		for _, n := range a.ns {
			b = append(b, byte(len(n)>>8), byte(len(n)))
			b = append(b, n...)
		}
	}
	return b, nil
}

// SpropParameterSets decodes the sprop-vps, sprop-sps and sprop-pps parameters of an SDP
// fmtp line (RFC 7798 §7.1): each base64 NAL units separated by commas. The NAL units are
// sorted by their type (a VPS, SPS or PPS found in another parameter counts as what it is;
// other NAL units are ignored). Bad base64 or a NAL unit shorter than its header is an
// error.
func SpropParameterSets(vpsValue, spsValue, ppsValue string) (vps, sps, pps [][]byte, err error) {
	for _, value := range []string{vpsValue, spsValue, ppsValue} {
		for _, part := range strings.Split(value, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			n, err := decodeBase64(part)
			if err != nil || len(n) < 2 {
				return nil, nil, nil, custodian.Errorf(custodian.EINVALID,
					"H.265 sprop 매개변수의 %q를 base64 NAL 단위로 읽을 수 없습니다",
					"H.265 sprop parameter: cannot decode %q as a base64 NAL unit", part)
			}
			switch NALUType(n) {
			case NALUTypeVPS:
				vps = append(vps, n)
			case NALUTypeSPS:
				sps = append(sps, n)
			case NALUTypePPS:
				pps = append(pps, n)
			}
		}
	}
	return vps, sps, pps, nil
}

// decodeBase64 decodes standard base64, padded or not (cameras send both).
func decodeBase64(s string) ([]byte, error) {
	if strings.HasSuffix(s, "=") {
		return base64.StdEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

func errConfig(ko, en string) error {
	return &custodian.Error{Code: custodian.EINVALID,
		Ko: "H.265 디코더 설정(hvcC)을 만들 수 없습니다: " + ko,
		En: "cannot make the H.265 decoder configuration (hvcC): " + en}
}
