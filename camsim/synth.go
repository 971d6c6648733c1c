package camsim

import (
	"math/rand/v2"

	"custodian/codec/h264"
	"custodian/codec/h265"
)

// Synthetic returns footage that needs no file and no ffmpeg: an H.264 stream (Baseline
// profile, CAVLC) of width × height pixels (multiples of 16) at fps frames per second, a
// keyframe every gop frames, n frames in all. A keyframe is an IDR picture of I_PCM
// macroblocks (raw samples: a pattern that moves from one keyframe to the next); the
// frames between are P pictures whose macroblocks are all skipped. It is a real stream:
// decoders (ffmpeg) decode it. Tests use it where the test footage is not prepared.
func Synthetic(width, height, fps, gop, n int) *Footage {
	mbs := (width / 16) * (height / 16)
	sps := nal(0x67, func(w *bitWriter) {
		w.u(8, 66)   // profile_idc: Baseline
		w.u(8, 0xc0) // constraint_set0_flag, constraint_set1_flag
		w.u(8, 30)   // level_idc 3.0
		w.ue(0)      // seq_parameter_set_id
		w.ue(0)      // log2_max_frame_num_minus4
		w.ue(2)      // pic_order_cnt_type: output order is decode order
		w.ue(1)      // max_num_ref_frames
		w.u(1, 0)    // gaps_in_frame_num_value_allowed_flag
		w.ue(uint64(width/16 - 1))
		w.ue(uint64(height/16 - 1))
		w.u(1, 1) // frame_mbs_only_flag
		w.u(1, 1) // direct_8x8_inference_flag
		w.u(1, 0) // frame_cropping_flag
		w.u(1, 0) // vui_parameters_present_flag
	})
	pps := nal(0x68, func(w *bitWriter) {
		w.ue(0)   // pic_parameter_set_id
		w.ue(0)   // seq_parameter_set_id
		w.u(1, 0) // entropy_coding_mode_flag: CAVLC
		w.u(1, 0) // bottom_field_pic_order_in_frame_present_flag
		w.ue(0)   // num_slice_groups_minus1
		w.ue(0)   // num_ref_idx_l0_default_active_minus1
		w.ue(0)   // num_ref_idx_l1_default_active_minus1
		w.u(1, 0) // weighted_pred_flag
		w.u(2, 0) // weighted_bipred_idc
		w.se(0)   // pic_init_qp_minus26
		w.se(0)   // pic_init_qs_minus26
		w.se(0)   // chroma_qp_index_offset
		w.u(1, 1) // deblocking_filter_control_present_flag
		w.u(1, 0) // constrained_intra_pred_flag
		w.u(1, 0) // redundant_pic_cnt_present_flag
	})
	var units [][][]byte
	var keys []bool
	var pts []int64
	dur := int64(clockRate / fps)
	idrs := 0
	for i := 0; i < n; i++ {
		k := i % gop
		var u [][]byte
		if k == 0 {
			idr := nal(0x65, func(w *bitWriter) {
				w.ue(0)                // first_mb_in_slice
				w.ue(7)                // slice_type: I, every slice
				w.ue(0)                // pic_parameter_set_id
				w.u(4, 0)              // frame_num
				w.ue(uint64(idrs % 2)) // idr_pic_id: consecutive IDRs differ
				w.u(1, 0)              // no_output_of_prior_pics_flag
				w.u(1, 0)              // long_term_reference_flag
				w.se(0)                // slice_qp_delta
				w.ue(1)                // disable_deblocking_filter_idc
				for mb := 0; mb < mbs; mb++ {
					w.ue(25) // mb_type: I_PCM
					w.align()
					for s := 0; s < 384; s++ { // 256 luma, 2 × 64 chroma samples
						w.u(8, uint64(32+(s*7+mb*13+idrs*29)%192))
					}
				}
			})
			idrs++
			u = [][]byte{sps, pps, idr}
		} else {
			u = [][]byte{nal(0x41, func(w *bitWriter) {
				w.ue(0)              // first_mb_in_slice
				w.ue(5)              // slice_type: P, every slice
				w.ue(0)              // pic_parameter_set_id
				w.u(4, uint64(k%16)) // frame_num
				w.u(1, 0)            // num_ref_idx_active_override_flag
				w.u(1, 0)            // ref_pic_list_modification_flag_l0
				w.u(1, 0)            // adaptive_ref_pic_marking_mode_flag
				w.se(0)              // slice_qp_delta
				w.ue(1)              // disable_deblocking_filter_idc
				w.ue(uint64(mbs))    // mb_skip_run: every macroblock
			})}
		}
		units = append(units, u)
		keys = append(keys, k == 0)
		pts = append(pts, int64(i)*dur)
	}
	return build("H264", width, height, units, keys, pts, pts)
}

// Units returns the footage's access units in decode order (NAL units without start
// codes); they must not be modified.
func (f *Footage) Units() [][][]byte { return f.units }

// Corrupt returns a copy of an access unit whose slices are garbage: every slice NAL unit
// keeps its NAL unit header and the rest is replaced by pseudo-random bytes from seed; the
// parameter sets and other NAL units are kept. It is what FaultCorrupt sends: a camera
// whose encoder or link corrupts pictures while the packets stay well formed.
func Corrupt(codecName string, au [][]byte, seed uint64) [][]byte {
	rng := rand.New(rand.NewPCG(seed, 0x636f7272))
	out := make([][]byte, len(au))
	for i, n := range au {
		hdr := 1
		vcl := h264.IsVCL(n)
		if codecName == "H265" {
			hdr, vcl = 2, h265.IsVCL(n)
		}
		if !vcl || len(n) <= hdr {
			out[i] = n
			continue
		}
		c := make([]byte, len(n))
		copy(c, n[:hdr])
		for k := hdr; k < len(c); k++ {
			c[k] = byte(rng.Uint32())
		}
		out[i] = c
	}
	return out
}

// nal returns a NAL unit: its header byte and the RBSP written by body (with its trailing
// bits), with emulation prevention bytes inserted.
func nal(header byte, body func(w *bitWriter)) []byte {
	w := &bitWriter{}
	body(w)
	w.u(1, 1) // rbsp_stop_one_bit
	w.align()
	out := []byte{header}
	zeros := 0
	for _, b := range w.b {
		if zeros >= 2 && b <= 3 {
			out = append(out, 3)
			zeros = 0
		}
		out = append(out, b)
		if b == 0 {
			zeros++
		} else {
			zeros = 0
		}
	}
	return out
}

// bitWriter writes bits most significant first.
type bitWriter struct {
	b    []byte
	bits int // bits used in the last byte (0: a new byte is needed)
}

func (w *bitWriter) bit(v uint64) {
	if w.bits == 0 {
		w.b = append(w.b, 0)
	}
	if v != 0 {
		w.b[len(w.b)-1] |= 0x80 >> w.bits
	}
	w.bits = (w.bits + 1) % 8
}

func (w *bitWriter) u(n int, v uint64) {
	for i := n - 1; i >= 0; i-- {
		w.bit(v >> i & 1)
	}
}

// ue writes an unsigned exp-Golomb code; se a signed one.
func (w *bitWriter) ue(v uint64) {
	v++
	n := 0
	for x := v; x > 1; x >>= 1 {
		n++
	}
	w.u(n, 0)
	w.u(n+1, v)
}

func (w *bitWriter) se(v int64) {
	if v > 0 {
		w.ue(uint64(2*v - 1))
	} else {
		w.ue(uint64(-2 * v))
	}
}

// align writes zero bits up to the next byte boundary.
func (w *bitWriter) align() {
	for w.bits != 0 {
		w.bit(0)
	}
}
