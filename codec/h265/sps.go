package h265

import (
	"custodian"
	"custodian/codec/internal/bits"
)

// SPS holds what a recorder needs from a sequence parameter set (ITU-T H.265 §7.3.2.2).
type SPS struct {
	ProfileSpace         uint8   // general_profile_space
	TierFlag             uint8   // general_tier_flag
	ProfileIDC           uint8   // general_profile_idc: 1 Main, 2 Main 10, 3 Main Still Picture, 4 range extensions …
	ProfileCompatibility uint32  // general_profile_compatibility_flag[0..31], flag 0 the most significant bit
	ConstraintIndicator  [6]byte // the 48 bits from general_progressive_source_flag on
	LevelIDC             uint8   // general_level_idc: 30 × the level number
	ChromaFormatIDC      uint32  // 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4
	BitDepthLuma         uint8
	BitDepthChroma       uint8
	Width, Height        int     // of the picture after the conformance window, in luma samples
	FrameRate            float64 // vui_time_scale / vui_num_units_in_tick; 0 when absent

	MaxSubLayers        int    // sps_max_sub_layers_minus1 + 1 (the hvcC's numTemporalLayers)
	TemporalIDNesting   bool   // sps_temporal_id_nesting_flag (the hvcC's temporalIdNested)
	SeparateColourPlane bool   // separate_colour_plane_flag
	ID                  uint32 // sps_seq_parameter_set_id
}

// Bounds on decoded values; the largest picture is bounded so that no size overflows.
const (
	maxSize = 1 << 16 // luma samples in either direction
	maxRPS  = 16      // pictures on either side of a short-term reference picture set
)

// ParseSPS parses an SPS NAL unit (with its header and emulation prevention bytes): the
// profile_tier_level (with sub-layers), the chroma format, size and conformance window and
// the bit depths, whose errors fail it; then the fields up to the VUI (sub-layer ordering,
// block sizes, scaling lists, PCM, short- and long-term reference picture sets), only to
// reach the VUI's timing info, which gives FrameRate. When those are malformed or cut
// short FrameRate is 0 rather than an error, since nothing else depends on them.
func ParseSPS(nalu []byte) (*SPS, error) {
	if NALUType(nalu) != NALUTypeSPS {
		return nil, errSPS("SPS NAL 단위가 아닙니다", "not an SPS NAL unit")
	}
	r := bits.NewReader(bits.RBSP(nalu[2:]))
	s := &SPS{}
	r.Skip(4) // sps_video_parameter_set_id
	maxSubLayersM1 := int(r.U(3))
	if maxSubLayersM1 > 6 {
		return nil, errSPSField("sps_max_sub_layers_minus1", maxSubLayersM1)
	}
	s.MaxSubLayers = maxSubLayersM1 + 1
	s.TemporalIDNesting = r.Flag()
	profileTierLevel(r, s, maxSubLayersM1)
	id := r.UE()
	if id > 15 {
		return nil, errSPSField("sps_seq_parameter_set_id", id)
	}
	s.ID = uint32(id)
	cf := r.UE()
	if cf > 3 {
		return nil, errSPSField("chroma_format_idc", cf)
	}
	s.ChromaFormatIDC = uint32(cf)
	if cf == 3 {
		s.SeparateColourPlane = r.Flag()
	}
	w, h := r.UE(), r.UE()
	if r.Err() == nil && (w == 0 || h == 0 || w > maxSize || h > maxSize) {
		return nil, errSPS("SPS의 영상 크기가 잘못되었습니다", "bad picture size in the SPS")
	}
	var winL, winR, winT, winB uint64
	if r.Flag() { // conformance_window_flag
		winL, winR, winT, winB = r.UE(), r.UE(), r.UE(), r.UE()
	}
	bl, bc := r.UE(), r.UE()
	if bl > 8 {
		return nil, errSPSField("bit_depth_luma_minus8", bl)
	}
	if bc > 8 {
		return nil, errSPSField("bit_depth_chroma_minus8", bc)
	}
	s.BitDepthLuma, s.BitDepthChroma = uint8(bl+8), uint8(bc+8)
	log2MaxPocLsb := r.UE() + 4
	if log2MaxPocLsb > 16 {
		return nil, errSPSField("log2_max_pic_order_cnt_lsb_minus4", log2MaxPocLsb-4)
	}
	if err := r.Err(); err != nil {
		return nil, errSPSBits(err)
	}
	// The conformance window, in chroma sample units (H.265 Table 6-1, equations 7-22/23).
	subW, subH := uint64(1), uint64(1)
	if !s.SeparateColourPlane {
		switch cf {
		case 1:
			subW, subH = 2, 2
		case 2:
			subW = 2
		}
	}
	if winL+winR >= w/subW || winT+winB >= h/subH {
		return nil, errSPS("SPS의 적합성 창이 영상보다 큽니다", "the SPS's conformance window exceeds the picture")
	}
	s.Width = int(w - subW*(winL+winR))
	s.Height = int(h - subH*(winT+winB))

	// The rest matters only for reaching the VUI.
	subLayerOrdering := r.Flag()
	first := maxSubLayersM1
	if subLayerOrdering {
		first = 0
	}
	for i := first; i <= maxSubLayersM1; i++ {
		r.UE() // sps_max_dec_pic_buffering_minus1
		r.UE() // sps_max_num_reorder_pics
		r.UE() // sps_max_latency_increase_plus1
	}
	r.UE()        // log2_min_luma_coding_block_size_minus3
	r.UE()        // log2_diff_max_min_luma_coding_block_size
	r.UE()        // log2_min_luma_transform_block_size_minus2
	r.UE()        // log2_diff_max_min_luma_transform_block_size
	r.UE()        // max_transform_hierarchy_depth_inter
	r.UE()        // max_transform_hierarchy_depth_intra
	if r.Flag() { // scaling_list_enabled_flag
		if r.Flag() { // sps_scaling_list_data_present_flag
			if err := scalingListData(r); err != nil {
				return s, nil
			}
		}
	}
	r.Skip(2)     // amp_enabled_flag, sample_adaptive_offset_enabled_flag
	if r.Flag() { // pcm_enabled_flag
		r.Skip(8) // pcm_sample_bit_depth_luma_minus1, pcm_sample_bit_depth_chroma_minus1
		r.UE()    // log2_min_pcm_luma_coding_block_size_minus3
		r.UE()    // log2_diff_max_min_pcm_luma_coding_block_size
		r.Skip(1) // pcm_loop_filter_disabled_flag
	}
	numRPS := r.UE()
	if numRPS > 64 {
		return s, nil
	}
	sets := make([]rps, numRPS)
	for i := range sets {
		if !shortTermRPS(r, sets, i) {
			return s, nil
		}
	}
	if r.Flag() { // long_term_ref_pics_present_flag
		n := r.UE()
		if n > 32 {
			return s, nil
		}
		for i := uint64(0); i < n && r.Err() == nil; i++ {
			r.Skip(int(log2MaxPocLsb) + 1) // lt_ref_pic_poc_lsb_sps, used_by_curr_pic_lt_sps_flag
		}
	}
	r.Skip(2)                       // sps_temporal_mvp_enabled_flag, strong_intra_smoothing_enabled_flag
	if r.Flag() && r.Err() == nil { // vui_parameters_present_flag
		s.FrameRate = vuiFrameRate(r)
	}
	return s, nil
}

// profileTierLevel reads profile_tier_level(1, maxSubLayersMinus1) (H.265 §7.3.3).
func profileTierLevel(r *bits.Reader, s *SPS, maxSubLayersM1 int) {
	s.ProfileSpace = uint8(r.U(2))
	s.TierFlag = uint8(r.U(1))
	s.ProfileIDC = uint8(r.U(5))
	s.ProfileCompatibility = uint32(r.U(32))
	for i := range s.ConstraintIndicator {
		s.ConstraintIndicator[i] = uint8(r.U(8))
	}
	s.LevelIDC = uint8(r.U(8))
	var profilePresent, levelPresent [8]bool
	for i := range maxSubLayersM1 {
		profilePresent[i] = r.Flag()
		levelPresent[i] = r.Flag()
	}
	if maxSubLayersM1 > 0 {
		r.Skip(2 * (8 - maxSubLayersM1)) // reserved_zero_2bits
	}
	for i := range maxSubLayersM1 {
		if profilePresent[i] {
			r.Skip(88) // sub_layer profile space … constraint flags
		}
		if levelPresent[i] {
			r.Skip(8) // sub_layer_level_idc
		}
	}
}

// scalingListData skips scaling_list_data() (H.265 §7.3.4).
func scalingListData(r *bits.Reader) error {
	for sizeID := 0; sizeID < 4; sizeID++ {
		step := 1
		if sizeID == 3 {
			step = 3
		}
		for matrixID := 0; matrixID < 6; matrixID += step {
			if !r.Flag() { // scaling_list_pred_mode_flag
				r.UE() // scaling_list_pred_matrix_id_delta
				continue
			}
			coefs := min(64, 1<<(4+sizeID<<1))
			if sizeID > 1 {
				r.SE() // scaling_list_dc_coef_minus8
			}
			for i := 0; i < coefs && r.Err() == nil; i++ {
				r.SE() // scaling_list_delta_coef
			}
		}
	}
	return r.Err()
}

// rps is what later short-term reference picture sets need of an earlier one: its delta
// POCs, negative ones first (nearest first), then positive ones (nearest first).
type rps struct {
	neg, pos []int64
}

// shortTermRPS reads st_ref_pic_set(i) (H.265 §7.3.7, §7.4.8) into sets[i]; false when it
// is malformed.
func shortTermRPS(r *bits.Reader, sets []rps, i int) bool {
	if i > 0 && r.Flag() { // inter_ref_pic_set_prediction_flag
		// In an SPS, delta_idx_minus1 is absent: the reference is the previous set.
		ref := sets[i-1]
		sign := r.Flag()
		absDelta := int64(r.UE()) + 1
		if absDelta > 1<<15 {
			return false
		}
		deltaRps := absDelta
		if sign {
			deltaRps = -absDelta
		}
		// One used_by_curr_pic_flag (and use_delta_flag) per picture of the reference set
		// and one for the reference picture itself.
		n := len(ref.neg) + len(ref.pos)
		use := make([]bool, n+1)
		for j := 0; j <= n; j++ {
			used := r.Flag()          // used_by_curr_pic_flag
			use[j] = used || r.Flag() // use_delta_flag, present when not used
		}
		if r.Err() != nil {
			return false
		}
		// Equations 7-61 and 7-62; use is indexed like the reference's delta POCs, the
		// negative ones first.
		var s rps
		for j := len(ref.pos) - 1; j >= 0; j-- {
			if d := ref.pos[j] + deltaRps; d < 0 && use[len(ref.neg)+j] {
				s.neg = append(s.neg, d)
			}
		}
		if deltaRps < 0 && use[n] {
			s.neg = append(s.neg, deltaRps)
		}
		for j := range ref.neg {
			if d := ref.neg[j] + deltaRps; d < 0 && use[j] {
				s.neg = append(s.neg, d)
			}
		}
		for j := len(ref.neg) - 1; j >= 0; j-- {
			if d := ref.neg[j] + deltaRps; d > 0 && use[j] {
				s.pos = append(s.pos, d)
			}
		}
		if deltaRps > 0 && use[n] {
			s.pos = append(s.pos, deltaRps)
		}
		for j := range ref.pos {
			if d := ref.pos[j] + deltaRps; d > 0 && use[len(ref.neg)+j] {
				s.pos = append(s.pos, d)
			}
		}
		if len(s.neg) > maxRPS || len(s.pos) > maxRPS {
			return false
		}
		sets[i] = s
		return true
	}
	numNeg, numPos := r.UE(), r.UE()
	if numNeg > maxRPS || numPos > maxRPS {
		return false
	}
	var s rps
	poc := int64(0)
	for range numNeg {
		poc -= int64(r.UE()) + 1 // delta_poc_s0_minus1
		r.Skip(1)                // used_by_curr_pic_s0_flag
		s.neg = append(s.neg, poc)
	}
	poc = 0
	for range numPos {
		poc += int64(r.UE()) + 1 // delta_poc_s1_minus1
		r.Skip(1)                // used_by_curr_pic_s1_flag
		s.pos = append(s.pos, poc)
	}
	sets[i] = s
	return r.Err() == nil
}

// vuiFrameRate reads vui_parameters() (H.265 §E.2.1) up to the timing info and returns the
// frame rate it states, or 0.
func vuiFrameRate(r *bits.Reader) float64 {
	if r.Flag() { // aspect_ratio_info_present_flag
		if r.U(8) == 255 { // aspect_ratio_idc EXTENDED_SAR
			r.Skip(32) // sar_width, sar_height
		}
	}
	if r.Flag() { // overscan_info_present_flag
		r.Skip(1) // overscan_appropriate_flag
	}
	if r.Flag() { // video_signal_type_present_flag
		r.Skip(4) // video_format, video_full_range_flag
		if r.Flag() {
			r.Skip(24) // colour_primaries, transfer_characteristics, matrix_coeffs
		}
	}
	if r.Flag() { // chroma_loc_info_present_flag
		r.UE()
		r.UE()
	}
	r.Skip(3)     // neutral_chroma_indication_flag, field_seq_flag, frame_field_info_present_flag
	if r.Flag() { // default_display_window_flag
		r.UE()
		r.UE()
		r.UE()
		r.UE()
	}
	if !r.Flag() { // vui_timing_info_present_flag
		return 0
	}
	tick, scale := r.U(32), r.U(32)
	if r.Err() != nil || tick == 0 || scale == 0 {
		return 0
	}
	return float64(scale) / float64(tick)
}

func errSPS(ko, en string) error {
	return &custodian.Error{Code: custodian.EINVALID, Ko: "H.265 " + ko, En: "H.265: " + en}
}

func errSPSField(field string, v any) error {
	return custodian.Errorf(custodian.EINVALID,
		"H.265 SPS의 %s 값 %v가 범위를 벗어났습니다", "H.265 SPS: %s %v is out of range", field, v)
}

func errSPSBits(err error) error {
	return custodian.Errorf(custodian.EINVALID,
		"H.265 SPS를 읽을 수 없습니다: %v", "cannot read the H.265 SPS: %v", err)
}
