package h264

import (
	"custodian"
	"custodian/codec/internal/bits"
)

// SPS holds what a recorder needs from a sequence parameter set (ITU-T H.264 §7.3.2.1.1).
type SPS struct {
	ProfileIDC      uint8
	ConstraintFlags uint8 // constraint_set0_flag … constraint_set5_flag and the two reserved bits, as in the byte
	LevelIDC        uint8
	ChromaFormatIDC uint32 // 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4
	BitDepthLuma    uint8
	BitDepthChroma  uint8
	Width, Height   int     // of the picture after frame cropping, in luma samples
	FrameRate       float64 // time_scale / (2 × num_units_in_tick) from the VUI timing info; 0 when absent

	// What a slice header needs (ParseSliceHeader).
	ID                  uint32 // seq_parameter_set_id
	Log2MaxFrameNum     uint8  // log2_max_frame_num_minus4 + 4
	SeparateColourPlane bool   // separate_colour_plane_flag
	MBs                 int    // macroblocks of a frame (PicWidthInMbs × FrameHeightInMbs)
	FrameNumGaps        bool   // gaps_in_frame_num_value_allowed_flag
}

// highProfile tells whether a profile_idc has the chroma_format_idc … scaling list fields
// (144 is the High 4:4:4 profile of the 2005 edition, since removed, which had them too).
func highProfile(p uint8) bool {
	switch p {
	case 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135, 144:
		return true
	}
	return false
}

// Bounds on the decoded values (H.264 §7.4.2.1.1); the largest picture is bounded so that
// no size overflows.
const (
	maxMBs = 1 << 13 // macroblocks in either direction (131072 luma samples)
)

// ParseSPS parses an SPS NAL unit (with its header and emulation prevention bytes). The VUI
// is read up to its timing info; a VUI that is cut short leaves FrameRate 0 rather than
// failing, since nothing else depends on it.
func ParseSPS(nalu []byte) (*SPS, error) {
	if NALUType(nalu) != NALUTypeSPS {
		return nil, errSPS("SPS NAL 단위가 아닙니다", "not an SPS NAL unit")
	}
	r := bits.NewReader(bits.RBSP(nalu[1:]))
	s := &SPS{
		ProfileIDC:      uint8(r.U(8)),
		ConstraintFlags: uint8(r.U(8)),
		LevelIDC:        uint8(r.U(8)),
		ChromaFormatIDC: 1,
		BitDepthLuma:    8,
		BitDepthChroma:  8,
	}
	id := r.UE()
	if id > 31 {
		return nil, errSPSField("seq_parameter_set_id", id)
	}
	s.ID = uint32(id)
	separateColourPlane := false
	if highProfile(s.ProfileIDC) {
		cf := r.UE()
		if cf > 3 {
			return nil, errSPSField("chroma_format_idc", cf)
		}
		s.ChromaFormatIDC = uint32(cf)
		if cf == 3 {
			separateColourPlane = r.Flag()
		}
		bl, bc := r.UE(), r.UE()
		if bl > 6 {
			return nil, errSPSField("bit_depth_luma_minus8", bl)
		}
		if bc > 6 {
			return nil, errSPSField("bit_depth_chroma_minus8", bc)
		}
		s.BitDepthLuma, s.BitDepthChroma = uint8(bl+8), uint8(bc+8)
		r.Skip(1)     // qpprime_y_zero_transform_bypass_flag
		if r.Flag() { // seq_scaling_matrix_present_flag
			lists := 8
			if cf == 3 {
				lists = 12
			}
			for i := 0; i < lists; i++ {
				if r.Flag() { // seq_scaling_list_present_flag[i]
					size := 16
					if i >= 6 {
						size = 64
					}
					if err := scalingList(r, size); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	if v := r.UE(); v > 12 {
		return nil, errSPSField("log2_max_frame_num_minus4", v)
	} else {
		s.Log2MaxFrameNum = uint8(v + 4)
	}
	switch poc := r.UE(); poc {
	case 0:
		if v := r.UE(); v > 12 {
			return nil, errSPSField("log2_max_pic_order_cnt_lsb_minus4", v)
		}
	case 1:
		r.Skip(1) // delta_pic_order_always_zero_flag
		r.SE()    // offset_for_non_ref_pic
		r.SE()    // offset_for_top_to_bottom_field
		n := r.UE()
		if n > 255 {
			return nil, errSPSField("num_ref_frames_in_pic_order_cnt_cycle", n)
		}
		for i := uint64(0); i < n && r.Err() == nil; i++ {
			r.SE() // offset_for_ref_frame[i]
		}
	case 2:
	default:
		return nil, errSPSField("pic_order_cnt_type", poc)
	}
	r.UE() // max_num_ref_frames
	s.FrameNumGaps = r.Flag()
	wMBs, hMapUnits := r.UE()+1, r.UE()+1
	frameMBsOnly := r.Flag()
	if !frameMBsOnly {
		r.Skip(1) // mb_adaptive_frame_field_flag
	}
	r.Skip(1) // direct_8x8_inference_flag
	var cropL, cropR, cropT, cropB uint64
	if r.Flag() { // frame_cropping_flag
		cropL, cropR, cropT, cropB = r.UE(), r.UE(), r.UE(), r.UE()
	}
	vui := r.Flag()
	if err := r.Err(); err != nil {
		return nil, errSPSBits(err)
	}
	hMBs := hMapUnits
	if !frameMBsOnly {
		hMBs *= 2
	}
	if wMBs > maxMBs || hMBs > maxMBs {
		return nil, errSPS("SPS의 영상 크기가 너무 큽니다", "the SPS's picture size is too large")
	}
	// Crop units (H.264 equations 7-19 to 7-22) by ChromaArrayType.
	cropX, cropY := uint64(1), uint64(1)
	if !frameMBsOnly {
		cropY = 2
	}
	if !separateColourPlane && s.ChromaFormatIDC != 0 {
		subW, subH := uint64(2), uint64(2) // 4:2:0
		switch s.ChromaFormatIDC {
		case 2:
			subH = 1
		case 3:
			subW, subH = 1, 1
		}
		cropX *= subW
		cropY *= subH
	}
	s.SeparateColourPlane, s.MBs = separateColourPlane, int(wMBs*hMBs)
	w, h := wMBs*16, hMBs*16
	if cropL+cropR >= w/cropX || cropT+cropB >= h/cropY {
		return nil, errSPS("SPS의 잘라내기 범위가 영상보다 큽니다", "the SPS's frame cropping exceeds the picture")
	}
	s.Width = int(w - cropX*(cropL+cropR))
	s.Height = int(h - cropY*(cropT+cropB))
	if vui {
		s.FrameRate = vuiFrameRate(r)
	}
	return s, nil
}

// scalingList skips a scaling_list() (H.264 §7.3.2.1.1.1).
func scalingList(r *bits.Reader, size int) error {
	last, next := int64(8), int64(8)
	for j := 0; j < size && r.Err() == nil; j++ {
		if next != 0 {
			delta := r.SE()
			if delta < -128 || delta > 127 {
				return errSPSField("delta_scale", delta)
			}
			next = (last + delta + 256) % 256
		}
		if next != 0 {
			last = next
		}
	}
	return nil
}

// vuiFrameRate reads vui_parameters() (H.264 §E.1.1) up to the timing info and returns the
// frame rate it states, or 0.
func vuiFrameRate(r *bits.Reader) float64 {
	if r.Flag() { // aspect_ratio_info_present_flag
		if r.U(8) == 255 { // aspect_ratio_idc Extended_SAR
			r.Skip(32) // sar_width, sar_height
		}
	}
	if r.Flag() { // overscan_info_present_flag
		r.Skip(1) // overscan_appropriate_flag
	}
	if r.Flag() { // video_signal_type_present_flag
		r.Skip(4) // video_format, video_full_range_flag
		if r.Flag() {
			r.Skip(24) // colour_primaries, transfer_characteristics, matrix_coefficients
		}
	}
	if r.Flag() { // chroma_loc_info_present_flag
		r.UE()
		r.UE()
	}
	if !r.Flag() { // timing_info_present_flag
		return 0
	}
	tick, scale := r.U(32), r.U(32)
	if r.Err() != nil || tick == 0 || scale == 0 {
		return 0
	}
	return float64(scale) / float64(2*tick)
}

func errSPS(ko, en string) error {
	return &custodian.Error{Code: custodian.EINVALID, Ko: "H.264 " + ko, En: "H.264: " + en}
}

func errSPSField(field string, v any) error {
	return custodian.Errorf(custodian.EINVALID,
		"H.264 SPS의 %s 값 %v가 범위를 벗어났습니다", "H.264 SPS: %s %v is out of range", field, v)
}

func errSPSBits(err error) error {
	return custodian.Errorf(custodian.EINVALID,
		"H.264 SPS를 읽을 수 없습니다: %v", "cannot read the H.264 SPS: %v", err)
}
