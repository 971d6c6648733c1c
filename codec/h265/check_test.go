package h265_test

import (
	"testing"

	"custodian/camsim"
	"custodian/codec/h265"
)

// TestCheckerFootage: every picture of the H.265 test footage (x265, open GOPs with CRA
// pictures and their leading pictures) passes the checker.
func TestCheckerFootage(t *testing.T) {
	c := h265.NewChecker()
	for i, u := range footageUnits(t) {
		if err := c.Check(u); err != nil {
			t.Fatalf("good picture %d: %v", i, err)
		}
	}
}

// TestCheckerSynthetic: pictures of the footage whose slice segments are garbage after
// their NAL unit headers (camsim.Corrupt: what a corrupting encoder or link sends) fail,
// each on its own, in most cases; the share caught is logged.
func TestCheckerSynthetic(t *testing.T) {
	units := footageUnits(t)
	caught, n := 0, 0
	for seed := uint64(0); seed < 2000; seed++ {
		// Picture k garbled after the good pictures before it.
		k := int(seed % uint64(len(units)))
		c := h265.NewChecker()
		for _, u := range units[:k] {
			c.Check(u)
		}
		n++
		if c.Check(camsim.Corrupt("H265", units[k], seed)) != nil {
			caught++
		}
	}
	t.Logf("%d of %d garbled pictures caught by their headers", caught, n)
	if caught < n*3/4 {
		t.Errorf("only %d of %d garbled pictures caught by their headers", caught, n)
	}
}

// TestCheckerRefuses builds access units that differ from a good one in one header field,
// after the footage's parameter sets: the good one passes, each bad one fails.
func TestCheckerRefuses(t *testing.T) {
	units := footageUnits(t)
	key := units[0]
	vps, sps, pps := h265.ParameterSets(key)
	if len(vps) != 1 || len(sps) != 1 || len(pps) != 1 {
		t.Fatalf("the first picture has %d VPS, %d SPS, %d PPS", len(vps), len(sps), len(pps))
	}
	// NAL unit headers (forbidden_zero_bit, nal_unit_type:6, nuh_layer_id:6,
	// nuh_temporal_id_plus1:3) and slice segment headers, bit by bit.
	const (
		trailR = 0x02 // TRAIL_R << 1
		idr    = 0x26 // IDR_W_RADL (19) << 1
	)
	// A P slice that begins the picture: first_slice_segment_in_pic_flag 1, PPS 0 ("1"),
	// slice_type 1 ("010"), then the stop bit: 1 1 010 1 00.
	good := [][]byte{{trailR, 0x01, 0xd4}}
	c := h265.NewChecker()
	if err := c.Check(key); err != nil {
		t.Fatal(err)
	}
	if err := c.Check(good); err != nil {
		t.Fatalf("the good picture: %v", err)
	}
	for _, tc := range []struct {
		name string
		au   [][]byte
	}{
		{"forbidden bit", [][]byte{{trailR | 0x80, 0x01, 0xd4}}},
		{"TemporalId plus 1 is 0", [][]byte{{trailR, 0x00, 0xd4}}},
		{"reserved type 22", [][]byte{{22 << 1, 0x01, 0xd4}}},
		{"reserved type 41", [][]byte{{41 << 1, 0x01, 0xd4}}},
		{"unspecified type 48", [][]byte{{48 << 1, 0x01, 0xd4}}},
		{"IRAP with a TemporalId", [][]byte{{idr, 0x02, 0xa9}}},
		{"cut short", [][]byte{{trailR}}},
		{"no slice (parameter sets only)", [][]byte{vps[0], sps[0], pps[0]}},
		// first_slice_segment_in_pic_flag 1, PPS 5 ("00110"), slice_type 1: 1 00110 010 1.
		{"unknown PPS", [][]byte{{trailR, 0x01, 0x99, 0x40}}},
		// slice_type 3 ("00100"): 1 1 00100 1.
		{"bad slice_type", [][]byte{{trailR, 0x01, 0xc9}}},
		// An IDR: first 1, no_output_of_prior_pics 0, PPS 0, slice_type P: 1 0 1 010 1 0.
		{"IRAP not intra", [][]byte{{idr, 0x01, 0xaa}}},
		// first_slice_segment_in_pic_flag 0: a later slice segment without the first.
		{"first slice segment missing", [][]byte{{trailR, 0x01, 0x60}}},
		// The PPS ID runs past the end: 0 then zeros.
		{"header does not parse", [][]byte{{trailR, 0x01, 0x00}}},
	} {
		c := h265.NewChecker()
		if err := c.Check(key); err != nil {
			t.Fatal(err)
		}
		if err := c.Check(tc.au); err == nil {
			t.Errorf("%s: passed", tc.name)
		} else {
			t.Logf("%s: %v", tc.name, err)
		}
	}
	// The IRAP check is of the slice type, not of the type of NAL unit: an intra IDR
	// passes (1 0 1 1 1: first, no_output_of_prior_pics 0, PPS 0, slice_type 2 "011").
	if err := c.Check([][]byte{{idr, 0x01, 0xad}}); err != nil {
		t.Errorf("an intra IDR: %v", err)
	}
}
