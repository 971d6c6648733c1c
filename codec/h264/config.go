package h264

import (
	"encoding/base64"
	"strings"

	"custodian"
)

// DecoderConfig returns the AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1), the
// payload of an avcC box, for the given SPS and PPS NAL units, with 4-byte NAL unit
// lengths. The profile, compatibility and level come from the first SPS; for the
// profiles 100, 110, 122 and 144 (§5.3.3.1.1), and 244 (High 4:4:4 Predictive, which
// replaced 144), the record also carries chroma_format and the bit depths (and no SPS
// extensions), as ffmpeg's and GPAC's muxers write them.
func DecoderConfig(sps, pps [][]byte) ([]byte, error) {
	if len(sps) == 0 || len(pps) == 0 {
		return nil, errConfig("SPS와 PPS가 하나 이상 있어야 합니다", "at least one SPS and one PPS are needed")
	}
	if len(sps) > 31 || len(pps) > 255 {
		return nil, errConfig("SPS가 31개, PPS가 255개를 넘습니다", "more than 31 SPS or 255 PPS")
	}
	size := 7 + 4
	for _, n := range sps {
		if NALUType(n) != NALUTypeSPS || len(n) < 4 || len(n) > 0xffff {
			return nil, errConfig("SPS NAL 단위가 잘못되었습니다", "bad SPS NAL unit")
		}
		size += 2 + len(n)
	}
	for _, n := range pps {
		if NALUType(n) != NALUTypePPS || len(n) < 2 || len(n) > 0xffff {
			return nil, errConfig("PPS NAL 단위가 잘못되었습니다", "bad PPS NAL unit")
		}
		size += 2 + len(n)
	}
	info, err := ParseSPS(sps[0])
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, size)
	b = append(b,
		1,                   // configurationVersion
		sps[0][1],           // AVCProfileIndication
		sps[0][2],           // profile_compatibility
		sps[0][3],           // AVCLevelIndication
		0xfc|3,              // reserved '111111', lengthSizeMinusOne
		0xe0|byte(len(sps)), // reserved '111', numOfSequenceParameterSets
	)
	for _, n := range sps {
		b = append(b, byte(len(n)>>8), byte(len(n)))
		b = append(b, n...)
	}
	b = append(b, byte(len(pps)))
	for _, n := range pps {
		b = append(b, byte(len(n)>>8), byte(len(n)))
		b = append(b, n...)
	}
	switch info.ProfileIDC {
	case 100, 110, 122, 144, 244:
		b = append(b,
			0xfc|byte(info.ChromaFormatIDC), // reserved '111111', chroma_format
			0xf8|(info.BitDepthLuma-8),      // reserved '11111', bit_depth_luma_minus8
			0xf8|(info.BitDepthChroma-8),    // reserved '11111', bit_depth_chroma_minus8
			0,                               // numOfSequenceParameterSetExt
		)
	}
	return b, nil
}

// SpropParameterSets decodes the sprop-parameter-sets parameter of an SDP fmtp line (RFC
// 6184 §8.1): base64 NAL units separated by commas. It returns the SPS and PPS among them
// (other NAL units are ignored) and an error for bad base64 or an empty NAL unit.
func SpropParameterSets(value string) (sps, pps [][]byte, err error) {
	for _, part := range strings.Split(value, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		n, err := decodeBase64(part)
		if err != nil || len(n) == 0 {
			return nil, nil, custodian.Errorf(custodian.EINVALID,
				"sprop-parameter-sets의 %q를 base64로 읽을 수 없습니다",
				"sprop-parameter-sets: cannot decode %q as base64", part)
		}
		switch NALUType(n) {
		case NALUTypeSPS:
			sps = append(sps, n)
		case NALUTypePPS:
			pps = append(pps, n)
		}
	}
	return sps, pps, nil
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
		Ko: "H.264 디코더 설정(avcC)을 만들 수 없습니다: " + ko,
		En: "cannot make the H.264 decoder configuration (avcC): " + en}
}
