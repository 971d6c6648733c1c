package h264_test

import (
	"testing"

	"custodian/camsim"
	"custodian/codec/h264"
)

// TestCheckerSynthetic: every picture of a real stream passes; pictures whose slices are
// garbage (camsim.Corrupt) fail, each on its own, however they are garbled.
func TestCheckerSynthetic(t *testing.T) {
	f := camsim.Synthetic(64, 48, 10, 10, 40)
	c := h264.NewChecker()
	for i, u := range f.Units() {
		if err := c.Check(u); err != nil {
			t.Fatalf("good picture %d: %v", i, err)
		}
	}
	caught, n := 0, 0
	units := f.Units()
	for seed := uint64(0); seed < 2000; seed++ {
		// Picture k garbled after the good pictures before it.
		k := int(seed % uint64(len(units)))
		c := h264.NewChecker()
		for _, u := range units[:k] {
			c.Check(u)
		}
		n++
		if c.Check(camsim.Corrupt("H264", units[k], seed)) != nil {
			caught++
		}
	}
	t.Logf("%d of %d garbled pictures caught by their headers", caught, n)
	if caught < n*9/10 {
		t.Errorf("only %d of %d garbled pictures caught by their headers", caught, n)
	}
}

func TestCheckerRefuses(t *testing.T) {
	f := camsim.Synthetic(64, 48, 10, 10, 20)
	idr := f.Units()[0]
	p := f.Units()[1]
	for _, tc := range []struct {
		name string
		au   func() [][]byte
	}{
		{"forbidden bit", func() [][]byte { n := append([]byte{p[0][0] | 0x80}, p[0][1:]...); return [][]byte{n} }},
		{"reserved type", func() [][]byte { return [][]byte{{0x16, 0x80}} }},
		{"no slice", func() [][]byte { return [][]byte{idr[0], idr[1]} }},
		{"unknown PPS", func() [][]byte { return [][]byte{{0x41, 0b1_1_010_000}} }}, // first_mb 0, slice_type 0, pps 1
		{"IDR not intra", func() [][]byte { return [][]byte{{0x65, 0b1_1_1_0000, 0x80}} }},
		{"IDR not reference", func() [][]byte { n := append([]byte{0x05}, idr[2][1:]...); return [][]byte{n} }},
		{"cut short", func() [][]byte { return [][]byte{{0x41}} }},
		{"not the first slice", func() [][]byte { return [][]byte{{0x41, 0b010_0001, 0x80}} }}, // first_mb 1
	} {
		c := h264.NewChecker()
		if err := c.Check(idr); err != nil {
			t.Fatal(err)
		}
		if err := c.Check(tc.au()); err == nil {
			t.Errorf("%s: passed", tc.name)
		} else {
			t.Logf("%s: %v", tc.name, err)
		}
	}
}
